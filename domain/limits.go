package domain

// DefaultMaxBytes is the largest payload accepted by default.
const DefaultMaxBytes = 10240
