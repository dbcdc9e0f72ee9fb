package domain

// DefaultMaxBytes is the largest payload accepted by default.
const DefaultMaxBytes = 10240

// MaxBodyLimit is the largest payload limit that can be configured: 6 MiB, the Function URL's
// own payload limit.
const MaxBodyLimit = 6291456
