package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/s3-dropbox/s3-dropbox/client"
	"github.com/s3-dropbox/s3-dropbox/contract"
)

// Exit statuses: one for each outcome (stored and replayed alike), and a usage error.
const (
	exitStored    = 0
	exitRefused   = 1
	exitUnknown   = 2
	exitNotStored = 3
	exitUsage     = 64 // EX_USAGE
)

// exitCodes maps each outcome to its exit status.
var exitCodes = map[contract.Outcome]int{
	contract.Stored:    exitStored,
	contract.Replayed:  exitStored,
	contract.Refused:   exitRefused,
	contract.NotStored: exitNotStored,
	contract.Unknown:   exitUnknown,
}

// severity orders the outcomes for the exit status, which is the worst payload's: unknown
// (may be stored: resend with the same key) over not stored over refused over stored.
var severity = map[contract.Outcome]int{
	contract.Stored: 0, contract.Replayed: 0, contract.Refused: 1, contract.NotStored: 2, contract.Unknown: 3,
}

// command is what run reads and writes, and what tests replace.
type command struct {
	env            func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	httpClient     *http.Client // nil: http.DefaultClient
}

// headerFlags collects -H values; run checks them after parsing, as the flag package's
// message for a value it refuses would quote it whole (a credential, such as the CDN's).
type headerFlags []string

func (h *headerFlags) String() string     { return "" }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

// maxHeaderFile is the most read of a -H @FILE.
const maxHeaderFile = 64 << 10

// expandHeaders returns the -H values with each @FILE replaced by FILE's lines (blank ones
// skipped), a warning for each such file its group or others can read, and an error naming
// the first value or line that is not 'Name: value', by number, never by its content.
func expandHeaders(given []string) (headers, warnings []string, err error) {
	for i, h := range given {
		file, ok := strings.CutPrefix(h, "@")
		if !ok {
			if !wellFormed(h) {
				return nil, nil, fmt.Errorf("-H number %d: want 'Name: value' (its value is not repeated here)", i+1)
			}
			headers = append(headers, h)
			continue
		}
		f, err := os.Open(file)
		if err != nil {
			return nil, nil, fmt.Errorf("-H @%s: %w", shown(file), withoutName(err))
		}
		if info, err := f.Stat(); err == nil && info.Mode().Perm()&0o044 != 0 {
			warnings = append(warnings, fmt.Sprintf("the header file %s can be read by others (mode %04o): chmod 600 it", shown(file), info.Mode().Perm()))
		}
		data, err := io.ReadAll(io.LimitReader(f, maxHeaderFile+1))
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("-H @%s: %w", shown(file), withoutName(err))
		}
		if len(data) > maxHeaderFile {
			return nil, nil, fmt.Errorf("-H @%s: longer than %d bytes", shown(file), maxHeaderFile)
		}
		for n, line := range strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			if !wellFormed(line) {
				return nil, nil, fmt.Errorf("-H @%s, line %d: want 'Name: value' (its value is not repeated here)", shown(file), n+1)
			}
			headers = append(headers, line)
		}
	}
	return headers, warnings, nil
}

// wellFormed reports whether a -H value is 'Name: value' with a name of one word.
func wellFormed(h string) bool {
	name, _, ok := strings.Cut(h, ":")
	return ok && strings.TrimSpace(name) != "" && !strings.ContainsAny(strings.TrimSpace(name), " \t")
}

// result is one payload's line of -json output.
type result struct {
	File           string           `json:"file"`
	Outcome        contract.Outcome `json:"outcome"`
	Status         int              `json:"status"`
	Attempts       int              `json:"attempts"`
	RequestID      string           `json:"request_id,omitempty"`
	IdempotencyKey string           `json:"idempotency_key"`
	Error          string           `json:"error,omitempty"`
	keyRepeats     bool             // the key is one an earlier run may have sent (not a random one)
}

// run sends the files that args name and returns the exit status.
func run(ctx context.Context, args []string, c command) int {
	o, code := parseFlags(args, c)
	if o == nil {
		return code
	}
	cl, code := o.client(ctx, c)
	if cl == nil {
		return code
	}
	return report(c.stdout, sendAll(ctx, cl, o, c), o.asJSON)
}

// options are the command line, parsed.
type options struct {
	dropURL, tokenFile, contentType, idemKey string
	headers                                  headerFlags
	fromContent, newKey, plainHTTP           bool
	asJSON, verbose                          bool
	noUploads                                bool
	chunkSize                                int
	stateDir                                 string
	attempts, maxBytes, parallel             int
	timeout, deadline                        time.Duration
	files                                    []string
}

// parseFlags returns the options of args, or nil and the exit status (after -h, or a usage
// error, said on c.stderr).
func parseFlags(args []string, c command) (*options, int) {
	flags := flag.NewFlagSet("s3-dropbox-send", flag.ContinueOnError)
	flags.SetOutput(c.stderr)
	o := defineFlags(flags, c.env)
	flags.Usage = func() { printUsage(c.stderr, flags) }
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitStored
		}
		return nil, exitUsage
	}
	o.files = flags.Args()
	if err := o.check(); err != nil {
		return nil, usage(c.stderr, "%v", err)
	}
	return o, 0
}

// defineFlags defines the command's flags on flags, into the options it returns.
func defineFlags(flags *flag.FlagSet, env func(string) string) *options {
	o := &options{}
	flags.StringVar(&o.dropURL, "url", env("S3_DROPBOX_URL"), "the drop URL (default: $S3_DROPBOX_URL)")
	flags.StringVar(&o.tokenFile, "token-file", "", "file whose first line is the client token, bare, as 'Bearer <token>' or as dev mode's 'authorization: Bearer <token>'; readable by you alone. Without it, the token itself is read from the variable S3_DROPBOX_TOKEN (which holds the token, not a file's name)")
	flags.Var(&o.headers, "H", "an extra request header, 'Name: value', repeatable (such as the CDN header in dev mode); @FILE reads them from FILE, one a line, out of sight of process lists")
	flags.StringVar(&o.contentType, "content-type", "", "the payloads' media type (default: guessed from the file name, else application/octet-stream)")
	flags.StringVar(&o.idemKey, "idempotency-key", "", "the Idempotency-Key, with one payload only (default: derived from the file's name as given and its content; for standard input, a new random key; kept for all its attempts)")
	flags.BoolVar(&o.fromContent, "key-from-content", false, "derive each payload's key from its content alone (its SHA-256), whatever its name: the same bytes under two names, or from standard input, are one drop (within the key's TTL on the service)")
	flags.BoolVar(&o.newKey, "new-key", false, "a new random key for each payload: the same files sent again are stored again")
	flags.IntVar(&o.attempts, "attempts", client.DefaultAttempts, "attempts per payload")
	flags.DurationVar(&o.timeout, "timeout", client.DefaultTimeout, "timeout of each attempt")
	flags.DurationVar(&o.deadline, "deadline", client.DefaultPayloadTimeout, "the longest a payload may take, all its attempts and the waits between them included (each wait at most "+client.DefaultMaxBackoff.String()+", whatever Retry-After says); keep it under the key's TTL on the server (IDEMPOTENCY_TTL, or DROP_EXPIRY if shorter)")
	flags.IntVar(&o.maxBytes, "max-bytes", contract.MaxPayloadBytes, "refuse payloads over this many bytes without sending them, reading no more than that (set it to the service's MAX_BODY_BYTES; at most the service's absolute maximum, the default)")
	flags.BoolVar(&o.plainHTTP, "allow-plain-http", false, "send the token over plain http:// to a host that is not a loopback address (it crosses the network in clear text)")
	flags.BoolVar(&o.asJSON, "json", false, "one JSON object per payload on stdout")
	flags.IntVar(&o.parallel, "parallel", 1, "how many payloads to send at once, each held whole in memory (up to this times -max-bytes)")
	flags.BoolVar(&o.verbose, "v", false, "say what happens to each payload on stderr")
	flags.BoolVar(&o.noUploads, "no-uploads", false, "never send a file over -max-bytes as an upload (tus), which the service may offer beside the drop URL")
	flags.IntVar(&o.chunkSize, "chunk-size", client.DefaultChunkSize, "bytes per request of an upload (4 MiB fits a Lambda Function URL)")
	flags.StringVar(&o.stateDir, "state-dir", defaultStateDir(), "where an upload's state file is kept, so that a re-run resumes it or finds it stored")
	return o
}

// printUsage writes -h's text.
func printUsage(w io.Writer, flags *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: s3-dropbox-send [flags] FILE...   (\"-\" reads standard input)\n\nFlags:\n")
	flags.PrintDefaults()
	fmt.Fprintf(w, "\nRe-running: the same command run again over the same files stores nothing twice, within\n"+
		"the key's TTL on the service (IDEMPOTENCY_TTL, 24h by default, or DROP_EXPIRY if shorter)\n"+
		"and with the same token: each file's key is derived from its name as given and its content,\n"+
		"so that an edited file, or the same bytes under another name, is a new drop. Standard input\n"+
		"gets a new random key each time, and a file is stored again after the TTL or with a new\n"+
		"token; -new-key sends the same files again.\n")
	fmt.Fprintf(w, "\nExit status, the worst payload's: 0 all stored, 1 a payload refused, 3 a payload not stored (or\n"+
		"not sent: interrupted), 2 a payload's outcome unknown (it may be stored), 64 a usage error.\n")
}

// check returns the usage error of options that do not go together, or nil.
func (o *options) check() error {
	switch {
	case len(o.files) == 0:
		return errors.New("name at least one file (- for standard input)")
	case o.dropURL == "":
		return errors.New("give the drop URL: -url or S3_DROPBOX_URL")
	case o.idemKey != "" && len(o.files) > 1:
		return errors.New("-idempotency-key goes with one payload only")
	case keyChoices(o.idemKey != "", o.fromContent, o.newKey) > 1:
		return errors.New("-idempotency-key, -key-from-content and -new-key exclude each other")
	case o.attempts < 1 || o.parallel < 1 || o.timeout <= 0 || o.deadline <= 0 || o.chunkSize < 1:
		return errors.New("-attempts, -parallel, -timeout, -deadline and -chunk-size must be positive")
	case o.maxBytes < 1 || o.maxBytes > contract.MaxPayloadBytes:
		return fmt.Errorf("-max-bytes must be 1 to %d (the service's absolute maximum)", contract.MaxPayloadBytes)
	case stdinUses(o.files) > 1:
		return errors.New("standard input (-) can be read once")
	}
	return nil
}

// usage says a usage error on w and returns its exit status.
func usage(w io.Writer, format string, a ...any) int {
	fmt.Fprintf(w, "s3-dropbox-send: "+format+"\n", a...)
	return exitUsage
}

// headerLines are the -H values, files read, and a warning for each file others can read.
type headerLines struct{ headers, warnings []string }

// tokenLine is the token read, and a warning if its file is open to others.
type tokenLine struct{ token, warning string }

// client reads the secrets (the -H files, the token), checks that no file to send is one of
// them or named twice, and returns the client, or nil and the exit status.
func (o *options) client(ctx context.Context, c command) (*client.Client, int) {
	h, err := interruptible(ctx, func() (headerLines, error) { // a FIFO blocks its opening
		headers, warnings, err := expandHeaders(o.headers)
		return headerLines{headers, warnings}, err
	})
	if code, stop := o.secretRead(c, "the headers", err, ctx.Err()); stop {
		return nil, code
	}
	for _, w := range h.warnings {
		fmt.Fprintf(c.stderr, "s3-dropbox-send: warning: %s\n", w)
	}
	if f, secret, ok := secretFileAmong(o.secretFiles(), o.files); ok {
		return nil, usage(c.stderr, "%s is the file %s: it would be sent, the credential with it", shown(f), shown(secret))
	}
	if a, b, ok := namedTwice(o.files, c.stdin); ok {
		return nil, usage(c.stderr, "%s and %s are one file, named twice: it would be sent twice, each with a key of its own", shown(a), shown(b))
	}
	t, err := interruptible(ctx, func() (tokenLine, error) {
		token, warning, err := readToken(o.tokenFile, c.env)
		return tokenLine{token, warning}, err
	})
	if code, stop := o.secretRead(c, "the token", err, ctx.Err()); stop {
		return nil, code
	}
	if t.warning != "" {
		fmt.Fprintf(c.stderr, "s3-dropbox-send: warning: %s\n", t.warning)
	}
	return o.newClient(c, h.headers, t.token)
}

// secretRead says why reading what (the headers, the token) failed, if it did (err), and
// returns the exit status and whether to stop: interrupted (ctxErr), nothing was sent.
func (o *options) secretRead(c command, what string, err, ctxErr error) (int, bool) {
	switch {
	case err == nil:
		return 0, false
	case err == ctxErr:
		fmt.Fprintf(c.stderr, "s3-dropbox-send: interrupted while reading %s: nothing sent\n", what)
		return exitNotStored, true
	}
	return usage(c.stderr, "%v", err), true
}

// secretFiles are the files that hold a credential: the token file and each -H @FILE.
func (o *options) secretFiles() []string {
	files := []string{o.tokenFile}
	for _, h := range o.headers {
		if file, ok := strings.CutPrefix(h, "@"); ok {
			files = append(files, file)
		}
	}
	return files
}

// newClient returns the client of the options, the headers and the token, or nil and the
// exit status of a usage error.
func (o *options) newClient(c command, headers []string, token string) (*client.Client, int) {
	opts := []client.Option{client.WithAttempts(o.attempts), client.WithTimeout(o.timeout), client.WithPayloadTimeout(o.deadline), client.WithMaxBytes(o.maxBytes)}
	if c.httpClient != nil {
		opts = append(opts, client.WithHTTPClient(c.httpClient))
	}
	if o.plainHTTP {
		opts = append(opts, client.WithPlainHTTP())
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		opts = append(opts, client.WithHeader(strings.TrimSpace(name), strings.TrimSpace(value)))
	}
	cl, err := client.New(o.dropURL, token, opts...)
	if errors.Is(err, client.ErrPlainHTTP) {
		return nil, usage(c.stderr, "%v: use https://, or -allow-plain-http to send it anyway", err)
	}
	if err != nil {
		return nil, usage(c.stderr, "%v", err)
	}
	return cl, 0
}

// uploader returns what sends the files over -max-bytes as uploads (progress on a terminal,
// never with -json), or nil with -no-uploads.
func (o *options) uploader(cl *client.Client, c command) *uploader {
	if o.noUploads {
		return nil
	}
	up := &uploader{cl: cl, chunk: o.chunkSize, stateDir: o.stateDir}
	if !o.asJSON && terminal(c.stderr) {
		up.progress = c.stderr
	}
	return up
}

// sendAll sends the files, -parallel at once, and returns their results in order.
func sendAll(ctx context.Context, cl *client.Client, o *options, c command) []result {
	results := make([]result, len(o.files))
	up := o.uploader(cl, c)
	var wg sync.WaitGroup
	var logMu sync.Mutex // -v lines from several workers
	next := make(chan int)
	for range min(o.parallel, len(o.files)) { // no more workers than payloads
		wg.Go(func() {
			for i := range next {
				file := o.files[i]
				if r, ok := up.try(ctx, file, o.contentType, o.maxBytes); ok {
					results[i] = r
				} else {
					key := keyOf(file, o.idemKey, o.fromContent, o.newKey)
					results[i] = send(ctx, cl, file, c.stdin, o.maxBytes, o.contentType, key)
					results[i].keyRepeats = key != nil
				}
				if o.verbose {
					logMu.Lock()
					fmt.Fprintf(c.stderr, "%s: %s after %d attempt(s), key %s\n", shown(results[i].File), results[i].Outcome, results[i].Attempts, results[i].IdempotencyKey)
					logMu.Unlock()
				}
			}
		})
	}
	for i := range o.files {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// keyChoices counts the key flags given.
func keyChoices(given ...bool) int {
	n := 0
	for _, g := range given {
		if g {
			n++
		}
	}
	return n
}

// keyOf returns the option that sets a payload's Idempotency-Key: the one given, the
// content's, a new random one (-new-key, and standard input by default: its name says
// nothing of what it holds), or by default the file's name as given and its content's.
func keyOf(file, given string, fromContent, newKey bool) client.SendOption {
	switch {
	case given != "":
		return client.WithIdempotencyKey(given)
	case fromContent:
		return client.WithKeyFromContent()
	case newKey || file == "-":
		return nil // a nil SendOption is none: Send makes a random key
	default:
		return client.WithKeyFromNameAndContent(file)
	}
}

// namedTwice returns two of files that are the same file (by path, link or another path, or
// standard input, "-", redirected from one of them), and whether there are any; files it
// cannot stat are left to be reported when read.
func namedTwice(files []string, stdin io.Reader) (string, string, bool) {
	type named struct {
		name string
		info os.FileInfo
	}
	bySize := map[int64][]named{}
	for _, f := range files {
		var info os.FileInfo
		var err error
		if f != "-" {
			info, err = os.Stat(f)
		} else if in, ok := stdin.(*os.File); ok {
			info, err = in.Stat()
		} else {
			continue
		}
		if err != nil {
			continue
		}
		for _, earlier := range bySize[info.Size()] {
			if os.SameFile(earlier.info, info) {
				return earlier.name, f, true
			}
		}
		bySize[info.Size()] = append(bySize[info.Size()], named{f, info})
	}
	return "", "", false
}

// secretFileAmong returns one of files that is one of secretFiles (the token file, -H @FILE),
// that secret file, and whether there is one.
func secretFileAmong(secretFiles, files []string) (string, string, bool) {
	for _, secret := range secretFiles {
		if secret == "" {
			continue
		}
		s, err := os.Stat(secret)
		if err != nil {
			continue
		}
		for _, f := range files {
			if info, err := os.Stat(f); f != "-" && err == nil && os.SameFile(s, info) {
				return f, secret, true
			}
		}
	}
	return "", "", false
}

// shown returns a file's name as printed: as it is if every character of it is printable,
// else quoted, so that a name cannot break a line of the report or send terminal escapes.
func shown(file string) string {
	for _, r := range file {
		if !unicode.IsPrint(r) {
			return strconv.Quote(file)
		}
	}
	return file
}

func stdinUses(files []string) int {
	n := 0
	for _, f := range files {
		if f == "-" {
			n++
		}
	}
	return n
}

// readToken returns the client token: the first line of file, or $S3_DROPBOX_TOKEN, bare or
// as "Bearer <token>" (as dev mode's banner prints it), and a warning when the file can be
// read by its group or by others. The token is never taken from a flag's value, which
// process lists and shell histories show.
func readToken(file string, env func(string) string) (token, warning string, err error) {
	if file == "" {
		if t := bare(env("S3_DROPBOX_TOKEN")); t != "" {
			return t, "", nil
		}
		return "", "", errors.New("give the client token: -token-file or S3_DROPBOX_TOKEN")
	}
	f, err := os.Open(file)
	if err != nil {
		return "", "", fmt.Errorf("token file: %w", err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Mode().Perm()&0o044 != 0 {
		warning = fmt.Sprintf("the token file %s can be read by others (mode %04o): chmod 600 it", shown(file), info.Mode().Perm())
	} else if err == nil && info.Mode().Perm()&0o033 != 0 {
		warning = fmt.Sprintf("the token file %s can be written by others, who could put their token in it (mode %04o): chmod 600 it", shown(file), info.Mode().Perm())
	}
	line, err := firstLine(f)
	if err != nil {
		return "", "", fmt.Errorf("token file: %w", err)
	}
	if len(line) > maxTokenLine {
		return "", "", fmt.Errorf("token file: the first line is longer than %d bytes", maxTokenLine)
	}
	if token = bare(line); token == "" {
		return "", "", errors.New("token file: the first line is empty")
	}
	return token, warning, nil
}

// maxTokenLine is the most read of a token file's first line.
const maxTokenLine = 4096

// firstLine returns r's first line, without its line break, reading it a byte at a time and
// nothing after it (the token file may be standard input, the payload following the token),
// and at most maxTokenLine+1 bytes.
func firstLine(r io.Reader) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) <= maxTokenLine {
		n, err := r.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return string(line), nil
}

// bare returns the token of a line that holds it bare, as "Bearer <token>", or as the whole
// header line of dev mode's banner, "authorization: Bearer <token>", after a UTF-8 byte order
// mark if the line starts with one.
func bare(line string) string {
	line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff")) // the byte order mark some editors start a file with
	if name, rest, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "authorization") {
		line = strings.TrimSpace(rest)
	}
	if scheme, rest, ok := strings.Cut(line, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(rest)
	}
	return line
}

// send sends one file (standard input for "-"), read up to maxBytes, with its key option, and
// returns its result.
func send(ctx context.Context, cl *client.Client, file string, stdin io.Reader, maxBytes int, contentType string, key client.SendOption) result {
	r := result{File: file}
	data, err := interruptible(ctx, func() ([]byte, error) { return readPayload(file, stdin, maxBytes) })
	if err != nil && err == ctx.Err() {
		r.Outcome, r.Error = contract.NotStored, "not sent: interrupted before it was read whole"
		return r
	}
	if err != nil {
		r.Outcome, r.Error = contract.Refused, err.Error()
		return r
	}
	if contentType == "" {
		contentType = mime.TypeByExtension(filepath.Ext(file))
	}
	opts := []client.SendOption{key}
	if contentType != "" {
		opts = append(opts, client.WithContentType(contentType))
	}
	receipt, err := cl.Send(ctx, data, opts...)
	if err == nil {
		r.Outcome, r.Status, r.Attempts, r.RequestID, r.IdempotencyKey = contract.Stored, http.StatusAccepted, receipt.Attempts, receipt.RequestID, receipt.IdempotencyKey
		if receipt.Replayed {
			r.Outcome = contract.Replayed
		}
		return r
	}
	var e *client.Error
	if !errors.As(err, &e) {
		r.Outcome, r.Error = contract.Unknown, err.Error()
		return r
	}
	r.Outcome, r.Status, r.Attempts, r.RequestID, r.IdempotencyKey, r.Error = e.Outcome, e.Status, e.Attempts, e.RequestID, e.IdempotencyKey, e.Message
	return r
}

// report writes the results, one line each and a summary (or JSON lines), and returns the
// exit status.
func report(w io.Writer, results []result, asJSON bool) int {
	worst := contract.Stored
	count := map[contract.Outcome]int{}
	enc := json.NewEncoder(w)
	for _, r := range results {
		count[r.Outcome]++
		if severity[r.Outcome] > severity[worst] {
			worst = r.Outcome
		}
		if asJSON {
			enc.Encode(r)
			continue
		}
		fmt.Fprintf(w, "%s: %s\n", shown(r.File), describe(r))
	}
	if !asJSON {
		fmt.Fprintf(w, "%d stored, %d already stored, %d refused, %d not stored, %d unknown\n",
			count[contract.Stored], count[contract.Replayed], count[contract.Refused], count[contract.NotStored], count[contract.Unknown])
	}
	return exitCodes[worst]
}

// describe says what became of one payload, for its line of the report.
func describe(r result) string {
	switch r.Outcome {
	case contract.Stored:
		return fmt.Sprintf("stored (%d attempt(s))", r.Attempts)
	case contract.Replayed:
		return fmt.Sprintf("already stored (%d attempt(s))", r.Attempts)
	case contract.Refused:
		return "refused, not stored: " + r.Error
	case contract.NotStored:
		if r.Attempts == 0 {
			return "not sent: " + strings.TrimPrefix(r.Error, "not sent: ")
		}
		if r.keyRepeats {
			return fmt.Sprintf("not stored by this run after %d attempt(s), though an earlier run with its key %s may have stored it (send it again later: the key makes that safe): %s", r.Attempts, r.IdempotencyKey, r.Error)
		}
		return fmt.Sprintf("not stored after %d attempt(s) (send it again later): %s", r.Attempts, r.Error)
	}
	if r.Status == http.StatusInternalServerError {
		return fmt.Sprintf("the service failed (its misconfiguration or fault, for its operators to fix), may or may not be stored (once fixed, send it again with -idempotency-key %s): %s", r.IdempotencyKey, r.Error)
	}
	return fmt.Sprintf("unknown after %d attempt(s), may or may not be stored (send it again with -idempotency-key %s): %s", r.Attempts, r.IdempotencyKey, r.Error)
}
