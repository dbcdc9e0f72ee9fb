package deploy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store"
	"github.com/s3-dropbox/s3-dropbox/adapters/s3store/miniotest"
	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
)

// roleRig is the service (the core, the S3 store, the HTTP handler) running under a MinIO user
// that holds exactly a role's S3 statements, behind a proxy that plays what S3 does and MinIO
// does not: a missing key read without s3:ListBucket is a 403, and the bucket policy's Denies.
type roleRig struct {
	url    string
	bucket string
	root   *s3.Client // MinIO's root, straight to MinIO: the test's own view
	other  *s3.Client // MinIO's root through the proxy: another writer, under the bucket policy
	logs   *syncBuffer

	mu    sync.Mutex
	fault func(r *http.Request) miniotest.Fault // for the next requests to S3; nil: pass
}

// syncBuffer is a buffer the handler's logger writes to from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newRoleRig starts the service under the statements role(bucket) returns, with the bucket
// policy's statements policy(bucket) (nil: none) played by the proxy.
func newRoleRig(t *testing.T, role, policy func(bucket string) []statement) *roleRig {
	t.Helper()
	srv := miniotest.Require(t)
	rig := &roleRig{root: srv.Client(t), logs: &syncBuffer{}}
	rig.bucket = srv.NewBucket(t, rig.root)
	sts := role(rig.bucket)
	var denyStatements []statement
	if policy != nil {
		denyStatements = policy(rig.bucket)
	}
	// S3 decides 404 or 403 by s3:ListBucket on the bucket, a request without s3:prefix.
	canList := allows(t, sts, s3Request{action: "s3:ListBucket", resource: "arn:aws:s3:::" + rig.bucket, ctx: map[string]string{}})
	checkOperators(t, denyStatements) // here, on the test's goroutine, not in the proxy's
	user := srv.User(t, policyJSON(t, sts))
	proxy := miniotest.NewFaultProxy(t, srv.Endpoint, func(r *http.Request) miniotest.Fault {
		rig.mu.Lock()
		f := rig.fault
		rig.mu.Unlock()
		if f == nil {
			return miniotest.Pass
		}
		return f(r)
	})
	proxy.PlayS3(miniotest.S3Rules{
		CanList: func(ak string) bool { return ak == srv.AccessKey || ak == user.AccessKey && canList },
		Denies:  func(r *http.Request) bool { return denies(t, denyStatements, requestOf(r)) },
	})
	user.Endpoint = proxy.URL
	other := srv
	other.Endpoint = proxy.URL
	rig.other = other.Client(t)
	core := facetest.Core(t, s3store.New(user.QuickClient(t), rig.bucket))
	h := httpserver.NewHandler(core, httpface.NewRecorder(slog.New(slog.NewJSONHandler(rig.logs, nil)), ""))
	web := httptest.NewServer(h)
	t.Cleanup(web.Close)
	rig.url = web.URL + "/v1/drop"
	return rig
}

// setFault sets what the proxy does to the requests to S3 that follow (nil: pass them).
func (rig *roleRig) setFault(f func(r *http.Request) miniotest.Fault) {
	rig.mu.Lock()
	defer rig.mu.Unlock()
	rig.fault = f
}

// answer is the service's answer to one drop.
type answer struct {
	status   int
	replayed bool
	body     string
}

// post sends one drop of payload, with an Idempotency-Key unless key is "".
func (rig *roleRig) post(t *testing.T, key, payload string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, rig.url, strings.NewReader(payload))
	req.Header.Set("Authorization", "Bearer "+facetest.AuthToken)
	req.Header.Set(facetest.CDNHeader, "Bearer "+facetest.CDNToken)
	req.Header.Set("Content-Type", "text/plain")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true", string(b)}
}

// payloads returns the payloads in the bucket, sorted, the records aside.
func (rig *roleRig) payloads(t *testing.T) []string {
	t.Helper()
	return facetest.PayloadsOf(miniotest.Objects(t, rig.root, rig.bucket))
}

// isRecord reports whether r is a request for an idempotency record.
func isRecord(r *http.Request) bool {
	return strings.Contains(r.URL.Path, "/"+domain.RecordPrefix)
}

// TestTemplateRoleOnS3: the service under exactly the template's role, behind a proxy that
// answers S3's way and plays the template's bucket policy, answers every flow truly: plain
// and keyed drops, a replay, lost answers, and a record removed (expired) between the claim's
// 412 and its read, which is claimed again and stored once.
func TestTemplateRoleOnS3(t *testing.T) {
	tmpl, _ := load(t)
	rig := newRoleRig(t,
		func(bucket string) []statement { return roleS3Statements(t, tmpl, bucket, "") },
		func(bucket string) []statement {
			return templateStatements(t, get(t, tmpl, "Resources", "DropBucketPolicy", "Properties", "PolicyDocument"), bucket, "")
		})

	steps := []struct {
		name     string
		fault    func(r *http.Request) miniotest.Fault
		expire   bool // remove the record as the service reads it
		key      string
		payload  string
		status   int
		replayed bool
	}{
		{name: "plain drop", payload: "plain-1", status: 202},
		{name: "keyed drop", key: "k-1", payload: "keyed-1", status: 202},
		{name: "its replay", key: "k-1", payload: "keyed-1", status: 202, replayed: true},
		{name: "plain drop, first answers lost", fault: loseFirstPut(), payload: "lost-1", status: 202},
		{name: "keyed drop, first answers lost", fault: loseFirstPut(), key: "k-2", payload: "lost-2", status: 202},
		{name: "keyed drop, its payload write failing", fault: failPayloads, key: "k-3", payload: "expiring", status: 503},
		{name: "its retry, the record removed before the read", expire: true, key: "k-3", payload: "expiring", status: 202},
		{name: "its retry again", key: "k-3", payload: "expiring", status: 202, replayed: true},
	}
	for _, s := range steps {
		fault := s.fault
		if s.expire {
			var once sync.Once
			fault = func(r *http.Request) miniotest.Fault {
				if r.Method == http.MethodGet && isRecord(r) {
					once.Do(func() {
						key := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[1]
						if _, err := rig.root.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(rig.bucket), Key: aws.String(key)}); err != nil {
							t.Errorf("remove the record: %v", err)
						}
					})
				}
				return miniotest.Pass
			}
		}
		rig.setFault(fault)
		got := rig.post(t, s.key, s.payload)
		if got.status != s.status || got.replayed != s.replayed {
			t.Errorf("%s: %d replayed %v %q; want %d replayed %v", s.name, got.status, got.replayed, got.body, s.status, s.replayed)
		}
	}
	rig.setFault(nil)
	want := []string{"expiring", "keyed-1", "lost-1", "lost-2", "plain-1"}
	if got := rig.payloads(t); !slices.Equal(got, want) {
		t.Errorf("payloads %q, want each once: %q", got, want)
	}
	// Another writer, unconditionally, over a drop: refused by the bucket policy.
	for _, k := range miniotest.Keys(t, rig.root, rig.bucket) {
		if strings.HasPrefix(k, domain.RecordPrefix) {
			continue
		}
		_, err := rig.other.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(rig.bucket), Key: aws.String(k), Body: strings.NewReader("overwritten")})
		if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			t.Errorf("an unconditional overwrite of %s: %v, want AccessDenied", k, err)
		}
		break
	}
	if got := rig.payloads(t); !slices.Equal(got, want) {
		t.Errorf("payloads %q after an overwrite, want %q", got, want)
	}
	if strings.Contains(rig.logs.String(), domain.EStorageDenied) {
		t.Errorf("a read was denied under the template's role:\n%s", rig.logs.String())
	}
}

// loseFirstPut loses the answer of the first PUT of each key, after S3 acted on it.
func loseFirstPut() func(r *http.Request) miniotest.Fault {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(r *http.Request) miniotest.Fault {
		if r.Method != http.MethodPut {
			return miniotest.Pass
		}
		mu.Lock()
		defer mu.Unlock()
		if seen[r.URL.Path] {
			return miniotest.Pass
		}
		seen[r.URL.Path] = true
		return miniotest.LostAfter
	}
}

// failPayloads refuses every write of a payload (503 SlowDown, before S3 acts); records pass.
func failPayloads(r *http.Request) miniotest.Fault {
	if r.Method == http.MethodPut && !isRecord(r) {
		return miniotest.SlowDown
	}
	return miniotest.Pass
}

// originalRole is the Python original's role: s3:PutObject on the bucket's objects, nothing
// else.
func originalRole(bucket string) []statement {
	return []statement{{Effect: "Allow", Action: []string{"s3:PutObject"}, Resource: []string{"arn:aws:s3:::" + bucket + "/*"}}}
}

// TestOriginalRoleOnS3: swapped into a stack built for the original (its role: s3:PutObject
// only), the service serves every unkeyed request as the original did, and the first keyed
// drop (its claim is a create-only write); the keyed retry, whose record it may not read, is
// answered 500 with a message naming the permission, which the sender does not retry and
// reports as "may be stored", never "not stored"; the misconfiguration is logged once.
func TestOriginalRoleOnS3(t *testing.T) {
	rig := newRoleRig(t, originalRole, nil)
	for _, p := range []string{"plain-1", "plain-2", "plain-3"} {
		if got := rig.post(t, "", p); got.status != 202 {
			t.Errorf("unkeyed %s: %d %q, want 202", p, got.status, got.body)
		}
	}
	if got := rig.post(t, "k-1", "keyed-1"); got.status != 202 {
		t.Errorf("first keyed drop: %d %q, want 202 (its claim is a create-only write)", got.status, got.body)
	}
	c, err := client.New(rig.url, facetest.AuthToken, client.WithHeader(facetest.CDNHeader, "Bearer "+facetest.CDNToken))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err = c.Send(context.Background(), []byte("keyed-1"), client.WithIdempotencyKey("k-1"))
		var e *client.Error
		if !errors.As(err, &e) || e.Status != 500 || e.Outcome == contract.Refused || e.Outcome == contract.NotStored || e.Attempts != 1 {
			t.Fatalf("the sender's keyed retry: %v (%+v); want 500 after one attempt, may be stored", err, e)
		}
		for _, want := range []string{"s3:GetObject", domain.RecordPrefix + "*", "s3:ListBucket"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("message %q does not name %s", e.Message, want)
			}
		}
	}
	want := []string{"keyed-1", "plain-1", "plain-2", "plain-3"}
	if got := rig.payloads(t); !slices.Equal(got, want) {
		t.Errorf("payloads %q, want %q", got, want)
	}
	if n := strings.Count(rig.logs.String(), `"level":"ERROR"`); n != 1 {
		t.Errorf("%d error lines, want 1 (the misconfiguration, once):\n%s", n, rig.logs.String())
	}
}
