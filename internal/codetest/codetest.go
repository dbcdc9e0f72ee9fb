// Package codetest holds tests of the repository's own code as text: how long its functions
// are, and which retired names it no longer uses.
package codetest
