package client

import (
	"context"
	"time"
)

// SetSleep replaces how c waits between attempts, for the tests.
func SetSleep(c *Client, f func(ctx context.Context, d time.Duration) error) { c.sleep = f }
