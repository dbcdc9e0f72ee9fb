// Package httpface is the HTTP face of the core, shared by every inbound adapter: the one table
// that maps error codes to statuses and the replies (status.go), the request log line
// (recorder.go), the CloudWatch metrics it carries (emf.go), and the hook for another metrics
// system (stats.go). Keeping it in one place is what makes the Lambda and the server answer
// alike.
package httpface
