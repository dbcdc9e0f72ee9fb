// Package e2e holds the whole-stack tests: the server binary (cmd/s3-dropbox, built once by
// TestMain) run as a process and met over TCP by raw and naive clients, the sender
// (cmd/s3-dropbox-send), MinIO and the fault proxy (adapters/s3store/miniotest). It has no
// code of its own; the commands' own tests stay with them.
//
// The bounds these tests check ("within a second", 2 s) are measured over the real server
// process: a bound is the property checked (a client is served now, not after a timeout of
// 30 s), unlike unit tests, which wait on signals.
package e2e
