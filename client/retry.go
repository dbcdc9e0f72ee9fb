package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryable reports whether an answer may change on a retry.
func retryable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// wait returns how long to wait before the attempt after attempt: what Retry-After says if
// the answer has one (seconds or an HTTP date), else a random time up to
// min(max, base×2^(attempt-1)); never more than the maximum backoff.
func (c *Client) wait(attempt int, h http.Header) time.Duration {
	if d, ok := retryAfter(h.Get("Retry-After"), time.Now()); ok {
		return min(d, c.cfg.maxBackoff)
	}
	ceiling := c.cfg.maxBackoff
	if shift := attempt - 1; shift < 30 && c.cfg.backoff<<shift < ceiling {
		ceiling = c.cfg.backoff << shift
	}
	return rand.N(ceiling)
}

// retryAfter reads a Retry-After value, delay-seconds or an HTTP date (RFC 9110), as a wait
// from now, and reports whether it was one.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" { // delay-seconds, however many digits
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil || s > uint64(MaxBackoffLimit/time.Second) {
			return MaxBackoffLimit, true
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), MaxBackoffLimit), true
	}
	return 0, false
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
