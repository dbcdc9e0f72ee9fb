// Package httpserver is the inbound adapter for plain HTTP (net/http): the same drop contract
// as the Function URL, for running the service on any machine, behind any load balancer.
package httpserver
