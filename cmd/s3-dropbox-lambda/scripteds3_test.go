package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl"
	"github.com/s3-dropbox/s3-dropbox/adapters/funcurl/funcurltest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/s3script"
	"github.com/s3-dropbox/s3-dropbox/adapters/system"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// scriptedPayload is the payload of every scripted drop (the "plain" event's body).
const scriptedPayload = "hello, dropbox"

// scenario is where a script applies, and what the bucket holds before the drop.
type scenario struct {
	name    string
	key     bool // the drop carries an Idempotency-Key
	records bool // the script answers the record's writes; else the payload's
	expired bool // an expired record of the key is in the bucket (its claim is answered 412, then replaced)
}

var scenarios = []scenario{
	{name: "payload, no key"},
	{name: "payload, key", key: true},
	{name: "claim, key", key: true, records: true},
	{name: "replace, expired record", key: true, records: true, expired: true},
}

// TestScriptedS3Answers runs every sequence of two and three answers of S3 (and of the network:
// lost answers, before and after S3 acted) on the payload's write without and with an
// Idempotency-Key, and on the record's writes (its claim, and its replacement after the TTL),
// through the Function URL handler, the core, s3store and the real SDK, against the scripted
// endpoint. Once the script is spent, writes are answered honestly. Each drop's answer must be
// true of what the bucket holds: a 202, the payload exactly once (and not a replay: nothing
// was stored before); a 503, not at all; a 504, at most once; never a 422, a 500, or another
// status. When the script answers the payload's write, the answer is the one the outcome
// table gives (expectedStatus). With a key, a retry under honest answers is a 202, a replay
// exactly when the payload was stored, and the payload is stored exactly once in all. A
// sequence that a run made already stands for (runs) is not run again.
func TestScriptedS3Answers(t *testing.T) {
	srv := s3script.New(t, domain.RecordPrefix, foreignClaim)
	client := miniotest.Server{Endpoint: srv.URL, AccessKey: "AKIDSCRIPT", SecretKey: "script-secret", Region: "us-east-1"}.QuickClient(t)
	var seqs [][]s3script.Answer
	for _, n := range []int{3, 2} {
		seqs = append(seqs, sequences(s3script.Answers, n)...)
	}
	// A drop of another payload with the same key two TTLs ago leaves its record, and the
	// payload, in a bucket that the "expired" cases copy.
	expired := srv.NewBucket()
	if msg := expiredDrop(t, client, expired); msg != "" {
		t.Fatal(msg)
	}
	total, untrue := 0, 0
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var mu sync.Mutex
			var failed []string
			lies, offTable := 0, 0
			var done runs
			var next atomic.Int64
			var wg sync.WaitGroup
			for range 4 { // the cases wait on the network as much as on the processor
				wg.Go(func() {
					for i := int(next.Add(1)) - 1; i < len(seqs); i = int(next.Add(1)) - 1 {
						if done.covered(seqs[i]) {
							continue
						}
						b := srv.NewBucket()
						if sc.expired {
							b = srv.CopyBucket(expired)
						}
						asked, lie, msg := scriptedCase(t, b, client, sc, seqs[i])
						done.add(seqs[i], asked)
						if msg == "" {
							continue
						}
						mu.Lock()
						failed = append(failed, fmt.Sprintf("%s: %s", names(seqs[i]), msg))
						if lie {
							lies++
						} else {
							offTable++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			slices.Sort(failed)
			for i, f := range failed {
				if i == 40 && !testing.Verbose() {
					t.Errorf("… and %d more (-v shows all)", len(failed)-40)
					break
				}
				t.Error(f)
			}
			t.Logf("%d sequences in %d runs: %d untrue answers, %d true but not the table's", len(seqs), done.n, lies, offTable)
			total += done.n
			untrue += lies
		})
	}
	t.Logf("scripted S3 answers: %d drops, %d untrue answers", total, untrue)
}

// runs are the runs made of the sequences of a scenario, and which sequences they stand for.
// A run is determined by the answers it asked for: one that asked for c answers of its script,
// fewer than it had, stands for every sequence that starts with those c; one that asked for
// them all stands for every sequence that differs from it only by OK answers at the end,
// which is how writes are answered once a script is spent.
type runs struct {
	mu     sync.Mutex
	n      int
	closed map[string]bool // the answers asked for by runs that asked for no more
	whole  map[string]bool // the sequences, without their final OKs, of runs that asked for all
}

// covered reports whether a run made already stands for seq.
func (r *runs) covered(seq []s3script.Answer) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range len(seq) + 1 {
		if r.closed[names(seq[:i])] {
			return true
		}
	}
	return r.whole[names(trimOK(seq))]
}

// add notes a run of seq that asked for its first asked answers.
func (r *runs) add(seq []s3script.Answer, asked int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed == nil {
		r.closed, r.whole = map[string]bool{}, map[string]bool{}
	}
	r.n++
	if asked < len(seq) {
		r.closed[names(seq[:asked])] = true
	} else {
		r.whole[names(trimOK(seq))] = true
	}
}

func trimOK(seq []s3script.Answer) []s3script.Answer {
	for len(seq) > 0 && seq[len(seq)-1] == s3script.OK {
		seq = seq[:len(seq)-1]
	}
	return seq
}

// expiredDrop drops another payload with the case's key into b with a clock two TTLs ago,
// and returns what went wrong ("" if nothing).
func expiredDrop(t *testing.T, client *s3.Client, b *s3script.Bucket) string {
	old := funcurltest.Event(t, "plain")
	old.Headers["idempotency-key"] = "audit-key-1"
	body := "an old drop"
	old.Body, old.Headers["content-length"] = &body, fmt.Sprint(len(body))
	h, err := quietHandler(s3store.New(client, b.Name), pastClock{2 * domain.DefaultIdempotencyTTL})
	if err != nil {
		return err.Error()
	}
	resp, err := h.Handle(context.Background(), old)
	if err != nil || resp.StatusCode != 202 {
		return fmt.Sprintf("the expired drop: %d, %v", resp.StatusCode, err)
	}
	return ""
}

// scriptedCase runs one drop against b with the script seq, and returns how many answers of
// the script it asked for, what was wrong with its answers ("" if nothing), and whether that
// was an untrue answer rather than a true one other than the outcome table's.
func scriptedCase(t *testing.T, b *s3script.Bucket, client *s3.Client, sc scenario, seq []s3script.Answer) (asked int, lie bool, msg string) {
	ev := funcurltest.Event(t, "plain")
	if sc.key {
		ev.Headers["idempotency-key"] = "audit-key-1"
	}
	if sc.records {
		b.Script(nil, seq)
	} else {
		b.Script(seq, nil)
	}
	h, err := quietHandler(s3store.New(client, b.Name), system.Clock{})
	if err != nil {
		return 0, true, err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := h.Handle(ctx, ev)
	payloadsLeft, recordsLeft := b.Left()
	asked = len(seq) - payloadsLeft
	if sc.records {
		asked = len(seq) - recordsLeft
	}
	if err != nil {
		return asked, true, err.Error()
	}
	n, bad := stored(b)
	if bad != "" {
		return asked, true, bad
	}
	if msg := untrueAnswer(resp.StatusCode, resp.Headers["Idempotent-Replayed"] == "true", resp.Body, n, false); msg != "" {
		return asked, true, msg
	}
	if !sc.records {
		if want := expectedStatus(seq); resp.StatusCode != want {
			return asked, false, fmt.Sprintf("answered %d, want %d (the outcome table); stored %d time(s)", resp.StatusCode, want, n)
		}
	}
	if !sc.key {
		return asked, false, ""
	}
	b.Script(nil, nil)
	retry, err := h.Handle(ctx, ev)
	if err != nil {
		return asked, true, "retry: " + err.Error()
	}
	m, bad := stored(b)
	switch {
	case bad != "":
		return asked, true, "retry: " + bad
	case retry.StatusCode != 202 || m != 1:
		return asked, true, fmt.Sprintf("first %d (stored %d); retry %d %q, stored %d time(s): want 202, stored once", resp.StatusCode, n, retry.StatusCode, retry.Body, m)
	case (retry.Headers["Idempotent-Replayed"] == "true") != (n == 1):
		return asked, true, fmt.Sprintf("first %d (stored %d); retry's Idempotent-Replayed %q, want a replay exactly when stored before", resp.StatusCode, n, retry.Headers["Idempotent-Replayed"])
	}
	return asked, false, ""
}

// stored returns how many objects of the bucket, records aside, hold the payload, and what is
// wrong with any other (a payload that is not the one sent, whole).
func stored(b *s3script.Bucket) (int, string) {
	n := 0
	for k, o := range b.Objects() {
		switch {
		case strings.HasPrefix(k, domain.RecordPrefix), string(o.Data) == "an old drop":
		case string(o.Data) != scriptedPayload:
			return n, fmt.Sprintf("object %s holds %q, not the payload", k, o.Data)
		default:
			n++
		}
	}
	return n, ""
}

// expectedStatus is the outcome table for a create-only write of the payload on a fresh key,
// when its PUTs are answered by seq and then honestly: the SDK makes up to three attempts of
// one write, retrying lost answers, 500 and 503 SlowDown; the core retries a write answered
// 409. A 2xx is stored; a 412 after an attempt that may have written (lost, 500, 409) is
// stored by that attempt; else 504 if any attempt may have written, else 503.
func expectedStatus(seq []s3script.Answer) int {
	held, mayHave := false, false
	i := 0
	next := func() s3script.Answer {
		if i < len(seq) {
			i++
			return seq[i-1]
		}
		return s3script.OK
	}
	for call := 0; call < 8; call++ { // the core's attempts
		var last s3script.Answer
		for attempt := 0; attempt < 3; attempt++ { // the SDK's
			last = next()
			switch last {
			case s3script.OK, s3script.PreconditionFailed:
				if held {
					if mayHave {
						return 202
					}
					return 503
				}
				return 202
			case s3script.LostAfterCommit, s3script.Error500AfterCommit:
				held, mayHave = true, true
			case s3script.LostBeforeCommit, s3script.Error500BeforeCommit:
				mayHave = true
			}
			if last == s3script.Conflict {
				mayHave = true
				break
			}
		}
		if last != s3script.Conflict {
			break // the SDK gave up on a retryable answer
		}
	}
	if mayHave {
		return 504
	}
	return 503
}

// sequences returns every sequence of n answers, the first answer varying slowest.
func sequences(of []s3script.Answer, n int) [][]s3script.Answer {
	if n == 0 {
		return [][]s3script.Answer{nil}
	}
	var out [][]s3script.Answer
	for _, a := range of {
		for _, rest := range sequences(of, n-1) {
			out = append(out, append([]s3script.Answer{a}, rest...))
		}
	}
	return out
}

func names(seq []s3script.Answer) string {
	s := make([]string, len(seq))
	for i, a := range seq {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

// foreignClaim returns the record another request with the same Idempotency-Key and payload
// wrote before claim: the same payload SHA-256, another object key, made now.
func foreignClaim(claim []byte) ([]byte, error) {
	var rec map[string]any
	if err := json.Unmarshal(claim, &rec); err != nil {
		return nil, err
	}
	id, err := system.UUIDs{}.NewID()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	rec["key"], rec["created"] = domain.Key(now, id), now.UTC()
	return json.Marshal(rec)
}

// quietHandler is the Function URL handler over the core and store, logging nowhere.
func quietHandler(store ports.ObjectStore, clock ports.Clock) (*funcurl.Handler, error) {
	core, err := domain.New(facetest.Config("X-CDN-Authorization"), store, clock, system.UUIDs{})
	if err != nil {
		return nil, err
	}
	return funcurl.New(core, httpface.NewRecorder(slog.New(slog.NewJSONHandler(io.Discard, nil)), "")), nil
}

// pastClock tells the time ago.
type pastClock struct{ ago time.Duration }

func (c pastClock) Now() time.Time { return time.Now().Add(-c.ago) }
