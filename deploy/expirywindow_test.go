package deploy

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports/porttest"
	"github.com/s3-dropbox/s3-dropbox/wiring"
)

// TestExpiredDropStoredAgain: a drop that the drops' lifecycle rule removed is stored again by
// a retry with its Idempotency-Key only as a new drop, after the key's TTL, as any retry after
// it; never at the record's key while the key holds. The stack gives the function DROP_EXPIRY
// from ExpireAfterDays, and a key holds no longer. Here with ExpireAfterDays=1 and
// IdempotencyTtlDays=7, the function as the stack configures it: a retry a day after the drop
// is replayed; S3 removes the drop no sooner than a day after it arrived, rounded up to the
// next midnight UTC; a retry then is answered 202 as a new drop (not replayed), under a new
// key, and the key holds for that one.
func TestExpiredDropStoredAgain(t *testing.T) {
	tmpl, _ := load(t)
	desc := get(t, tmpl, "Parameters", "ExpireAfterDays", "Description").(string)
	for _, want := range []string{"DROP_EXPIRY", "IdempotencyTtlDays", "new drop"} {
		if !strings.Contains(desc, want) {
			t.Errorf("ExpireAfterDays's description %q does not say %q: a shorter expiry shortens what an Idempotency-Key holds", desc, want)
		}
	}
	params := stackParams(t, tmpl, map[string]any{"ExpireAfterDays": "1", "IdempotencyTtlDays": "7", "KeyPrefix": "drops/",
		"CdnHeaderName": facetest.CDNHeader, "AuthToken": domain.TokenDigest(facetest.AuthToken), "CdnToken": domain.TokenDigest(facetest.CDNToken)})
	_, conds := madeWith(t, tmpl, params)
	rule := resolveIf(t, get(t, tmpl, "Resources", "DropBucket", "Properties", "LifecycleConfiguration", "Rules", 1), conds).(object)
	days, err := strconv.Atoi(evalRule(t, rule["ExpirationInDays"], params).(string))
	if err != nil || rule["Id"] != "expire-drops" {
		t.Fatalf("the drops' lifecycle rule %v: %v", rule, err)
	}
	prefix := evalRule(t, rule["Prefix"], params).(string)
	for k, v := range functionEnv(t, tmpl, params) {
		t.Setenv(k, v)
	}
	cfg, err := wiring.LoadLambda()
	if err != nil {
		t.Fatal(err)
	}

	srv := miniotest.Require(t)
	root := srv.Client(t)
	bucket := srv.NewBucket(t, root)
	arrived := time.Date(2026, 12, 6, 10, 30, 0, 0, time.UTC)
	clock := porttest.NewClock(arrived)
	core, err := domain.New(wiring.CoreConfig(cfg.CoreSettings), s3store.New(srv.QuickClient(t), bucket), clock, system.UUIDs{})
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.DiscardHandler), "")))
	t.Cleanup(web.Close)
	rig := &roleRig{url: web.URL + "/v1/drop", bucket: bucket, root: root}
	drops := func() []string {
		var out []string
		for _, k := range miniotest.Keys(t, root, bucket) {
			if !strings.HasPrefix(k, domain.RecordPrefix) {
				out = append(out, k)
			}
		}
		return out
	}

	if got := rig.post(t, "k-1", "daily"); got.status != 202 || got.replayed {
		t.Fatalf("first drop: %+v, want 202 stored", got)
	}
	first := drops()
	if len(first) != 1 || !strings.HasPrefix(first[0], prefix) {
		t.Fatalf("drops %q, want one under the lifecycle rule's prefix %q", first, prefix)
	}
	clock.Advance(time.Duration(days) * 24 * time.Hour)
	if got := rig.post(t, "k-1", "daily"); got.status != 202 || !got.replayed {
		t.Fatalf("its retry %d day(s) later: %+v, want 202 replayed", days, got)
	}

	// The lifecycle rule removes the drop at its earliest: its arrival plus the rule's days,
	// rounded up to the next midnight UTC. Its record stays until IdempotencyTtlDays.
	removed := arrived.AddDate(0, 0, days).Truncate(24*time.Hour).AddDate(0, 0, 1)
	clock.Advance(removed.Sub(clock.Now()))
	if _, err := root.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(first[0])}); err != nil {
		t.Fatal(err)
	}
	if got := rig.post(t, "k-1", "daily"); got.status != 202 || got.replayed {
		t.Fatalf("a retry after the drop expired: %+v, want 202 stored as a new drop", got)
	}
	again := drops()
	if len(again) != 1 || again[0] == first[0] {
		t.Errorf("drops %q after the retry, want one new drop, not the expired %s written again at its record's key", again, first[0])
	}
	if got := rig.post(t, "k-1", "daily"); got.status != 202 || !got.replayed {
		t.Errorf("the next retry: %+v, want the new drop replayed", got)
	}
	if got := rig.payloads(t); len(got) != 1 || got[0] != "daily" {
		t.Errorf("payloads %q, want the new drop", got)
	}
}
