package porttest

import (
	"context"
	"fmt"

	"github.com/s3-dropbox/s3-dropbox/ports"
)

// ETagStore is an ObjectStore whose replacements tell the ETag they wrote, as every real
// store's do.
type ETagStore interface {
	ports.ObjectStore
	ports.ETagReplacer
}

// LostAnswers is an ETagStore over another that loses the answers of the replacements Lose
// picks, as a store reports a write whose answer was lost: ports.ErrUnknown, whether the
// write was made (landed) or not. Creations and reads pass through.
type LostAnswers struct {
	ETagStore
	// Lose says, for each replacement (its object), whether its answer is lost and, if so,
	// whether it is written first. Nil: no answer is lost. It is called from every
	// goroutine that replaces an object.
	Lose func(obj ports.Object) (lost, landed bool)
	// AsRetry reports a landed write's lost answer as S3 does when the SDK's retry of it is
	// refused (412: the object is no longer at etag, the first attempt having written it):
	// ports.ErrVersion and ports.ErrUnknown together.
	AsRetry bool
}

var _ ETagStore = (*LostAnswers)(nil)

// Replace is the store's Replace, its answer lost when Lose says so.
func (s *LostAnswers) Replace(ctx context.Context, obj ports.Object, etag string) error {
	_, err := s.ReplaceETag(ctx, obj, etag)
	return err
}

// ReplaceETag is the store's ReplaceETag, its answer lost when Lose says so.
func (s *LostAnswers) ReplaceETag(ctx context.Context, obj ports.Object, etag string) (string, error) {
	lost, landed := false, false
	if s.Lose != nil {
		lost, landed = s.Lose(obj)
	}
	if !lost {
		return s.ETagStore.ReplaceETag(ctx, obj, etag)
	}
	if landed {
		if _, err := s.ETagStore.ReplaceETag(ctx, obj, etag); err != nil {
			return "", err
		}
	}
	if landed && s.AsRetry {
		return "", fmt.Errorf("replace %s: %w after an attempt whose answer was lost: %w", obj.Key, ports.ErrVersion, ports.ErrUnknown)
	}
	return "", fmt.Errorf("replace %s: %w: the answer was lost (landed: %t)", obj.Key, ports.ErrUnknown, landed)
}
