package facetest

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// valid returns a POST that passes every check, with content-length set to the body's length.
func valid(body string) Request {
	return Request{
		Method: "POST",
		Header: map[string]string{
			CDNHeader:        "Bearer " + CDNToken,
			"authorization":  "Bearer " + AuthToken,
			"content-length": strconv.Itoa(len(body)),
		},
		Body: body,
	}
}

// with returns r with the headers set (an empty value deletes the header).
func (r Request) with(kv ...string) Request {
	h := make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		h[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(h, kv[i])
		} else {
			h[kv[i]] = kv[i+1]
		}
	}
	r.Header = h
	return r
}

func ptr(s string) *string { return &s }

const (
	cdnMissing   = "The x-cdn-authorization header must be present"
	cdnNotBearer = `The x-cdn-authorization header must start with "Bearer "`
	cdnWrong     = "The Bearer token in x-cdn-authorization is not correct"
	authMissing  = "The authorization header must be present"
	authNotBear  = `The authorization header must start with "Bearer "`
	authWrong    = "The Bearer token in authorization is not correct"
	onlyPost     = "Only POST is supported"
	needLength   = "The content-length header must be present"
	badLength    = "The content-length header must be a non-negative decimal integer"
	tooLarge     = "The request body must be at most 10240 bytes"
	needBody     = "There must be a request body"
	badBase64    = "The request body is marked as base64 but is not valid standard base64"
	typeTooLong  = "The Content-Type header must be at most 256 bytes"
	maxBytes     = 10240
	text         = "hello, dropbox"
)

// Cases returns the rows of the contract, in its order: the CDN header, then authorization,
// the method, content-length, the body, and storage.
func Cases() []Case {
	atLimit := strings.Repeat("a", maxBytes)
	overLimit := strings.Repeat("a", maxBytes+1)
	binary := string([]byte{0, 1, 2, 0xfe, 0xff, 0x80, '\r', '\n', 0})
	unicode := "Grüße aus Köln — 東京 🚀"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	asBase64 := func(r Request) Request { r.Base64 = true; r.Body = b64(r.Body); return r }
	noBody := valid("").with("content-length", "0")
	noBody.NoBody = true
	get := valid("")
	get.Method = http.MethodGet
	lower := valid(text)
	lower.Method = "post"
	noMethod := valid(text)
	noMethod.Method = ""
	getNoAuth := get.with("authorization", "")
	longestType := "text/plain; x=" + strings.Repeat("t", 256-len("text/plain; x="))

	return []Case{
		// Stored.
		{Name: "plain text", Req: valid(text), Status: 202, Stored: ptr(text)},
		{Name: "unicode", Req: valid(unicode), Status: 202, Stored: ptr(unicode)},
		{Name: "binary", Req: valid(binary), Status: 202, Stored: ptr(binary)},
		{Name: "empty body is an empty object", Req: valid(""), Status: 202, Stored: ptr("")},
		{Name: "base64 is decoded", Req: asBase64(valid(text)), Status: 202, Stored: ptr(text)},
		{Name: "base64 binary", Req: asBase64(valid(binary)), Status: 202, Stored: ptr(binary)},
		{Name: "empty base64 body", Req: asBase64(valid("")), Status: 202, Stored: ptr("")},
		{Name: "at the limit", Req: valid(atLimit), Status: 202, Stored: ptr(atLimit)},
		{Name: "base64 at the limit", Req: asBase64(valid(atLimit)), Status: 202, Stored: ptr(atLimit)},
		{Name: "token with surrounding spaces", Req: valid(text).with("authorization", "Bearer   "+AuthToken+"  "), Status: 202, Stored: ptr(text)},
		{Name: "content-length need not match a smaller body", Req: valid(text).with("content-length", "3"), Status: 202, Stored: ptr(text)},
		{Name: "mixed-case header setting", CDNHeader: "X-CDN-Authorization", Req: valid(text), Status: 202, Stored: ptr(text)},

		// 1. The CDN header, then authorization.
		{Name: "no headers at all", Req: Request{Method: "POST", Header: map[string]string{}, Body: text}, Status: 401, Message: cdnMissing},
		{Name: "no CDN header", Req: valid(text).with(CDNHeader, ""), Status: 401, Message: cdnMissing},
		{Name: "CDN header not bearer", Req: valid(text).with(CDNHeader, CDNToken), Status: 401, Message: cdnNotBearer},
		{Name: "CDN header lower-case bearer", Req: valid(text).with(CDNHeader, "bearer "+CDNToken), Status: 401, Message: cdnNotBearer},
		{Name: "CDN header basic", Req: valid(text).with(CDNHeader, "Basic "+CDNToken), Status: 401, Message: cdnNotBearer},
		{Name: "CDN token wrong", Req: valid(text).with(CDNHeader, "Bearer "+CDNToken+"x"), Status: 401, Message: cdnWrong},
		{Name: "CDN token empty", Req: valid(text).with(CDNHeader, "Bearer "), Status: 401, Message: cdnWrong},
		{Name: "CDN header checked before authorization", Req: valid(text).with(CDNHeader, "", "authorization", ""), Status: 401, Message: cdnMissing},
		{Name: "no authorization", Req: valid(text).with("authorization", ""), Status: 401, Message: authMissing},
		{Name: "authorization not bearer", Req: valid(text).with("authorization", AuthToken), Status: 401, Message: authNotBear},
		{Name: "authorization token wrong", Req: valid(text).with("authorization", "Bearer not-my-token"), Status: 401, Message: authWrong},
		{Name: "swapped tokens", Req: valid(text).with(CDNHeader, "Bearer "+AuthToken, "authorization", "Bearer "+CDNToken), Status: 401, Message: cdnWrong},
		{Name: "CDN token in both headers", Req: valid(text).with("authorization", "Bearer "+CDNToken), Status: 401, Message: authWrong},
		{Name: "mixed-case setting, no header", CDNHeader: "X-CDN-Authorization", Req: valid(text).with(CDNHeader, ""), Status: 401, Message: "The X-CDN-Authorization header must be present"},

		// 2. The method, after authorization.
		{Name: "GET", Req: get, Status: 405, Message: onlyPost},
		{Name: "lower-case post", Req: lower, Status: 405, Message: onlyPost},
		{Name: "no method", Req: noMethod, Status: 405, Message: onlyPost},
		{Name: "GET without authorization is 401", Req: getNoAuth, Status: 401, Message: authMissing},

		// 3. content-length.
		{Name: "no content-length", Req: valid(text).with("content-length", ""), Status: 411, Message: needLength},
		{Name: "content-length not a number", Req: valid(text).with("content-length", "ten"), Status: 400, Message: badLength},
		{Name: "content-length negative", Req: valid(text).with("content-length", "-1"), Status: 400, Message: badLength},
		{Name: "content-length with a sign", Req: valid(text).with("content-length", "+14"), Status: 400, Message: badLength},
		{Name: "content-length fraction", Req: valid(text).with("content-length", "1.5"), Status: 400, Message: badLength},
		{Name: "content-length list", Req: valid(text).with("content-length", "14, 14"), Status: 400, Message: badLength},
		{Name: "content-length over the limit", Req: valid(text).with("content-length", "20000"), Status: 413, Message: tooLarge},
		{Name: "content-length overflows", Req: valid(text).with("content-length", "99999999999999999999999"), Status: 413, Message: tooLarge},
		{Name: "over the limit", Req: valid(overLimit), Status: 413, Message: tooLarge},
		{Name: "no content-length without authorization is 401", Req: valid(text).with("content-length", "", "authorization", ""), Status: 401, Message: authMissing},

		// 4. and 5. The body, decoded; the limit holds on the real bytes.
		{Name: "no body", Req: noBody, Status: 400, Message: needBody},
		{Name: "bad base64", Req: func() Request { r := valid("not base64!"); r.Base64 = true; return r }(), Status: 400, Message: badBase64},
		{Name: "base64 without padding", Req: func() Request { r := valid("aGk"); r.Base64 = true; return r }(), Status: 400, Message: badBase64},
		{Name: "url-safe base64", Req: func() Request { r := valid("-_-_"); r.Base64 = true; return r }(), Status: 400, Message: badBase64},
		{Name: "base64 over the limit, content-length lies", Req: asBase64(valid(overLimit)).with("content-length", "10"), Status: 413, Message: tooLarge},
		{Name: "body over the limit, content-length lies", Req: valid(overLimit).with("content-length", "5"), Status: 413, Message: tooLarge},
		{Name: "large body, content-length lies", Req: valid(strings.Repeat("z", 1<<20)).with("content-length", "5"), Status: 413, Message: tooLarge},

		// The configured limit (MAX_BODY_BYTES) moves every rule that names the limit.
		{Name: "at a configured limit", MaxBytes: 100, Req: valid(strings.Repeat("b", 100)), Status: 202, Stored: ptr(strings.Repeat("b", 100))},
		{Name: "over a configured limit", MaxBytes: 100, Req: valid(strings.Repeat("b", 101)), Status: 413, Message: "The request body must be at most 100 bytes"},
		{Name: "content-length over a configured limit", MaxBytes: 100, Req: valid("b").with("content-length", "101"), Status: 413, Message: "The request body must be at most 100 bytes"},
		{Name: "base64 over a configured limit", MaxBytes: 100, Req: asBase64(valid(strings.Repeat("b", 101))).with("content-length", "1"), Status: 413, Message: "The request body must be at most 100 bytes"},
		{Name: "over the default, under a larger limit", MaxBytes: 20000, Req: valid(overLimit), Status: 202, Stored: ptr(overLimit)},

		// Key layout.
		{Name: "key prefix", KeyPrefix: "drops/", Req: valid(text), Status: 202, Stored: ptr(text)},
		{Name: "key prefix and date partition", KeyPrefix: "in/box/", DatePartition: true, Req: valid(text), Status: 202, Stored: ptr(text)},
		{Name: "date partition alone", DatePartition: true, Req: valid(text), Status: 202, Stored: ptr(text)},

		// Content type.
		{Name: "content type kept", Req: valid(text).with("content-type", "application/json; charset=utf-8"), Status: 202, Stored: ptr(text), ContentType: "application/json; charset=utf-8"},
		{Name: "content type normalized", Req: valid(text).with("content-type", "Text/Plain;Charset=UTF-8"), Status: 202, Stored: ptr(text), ContentType: "text/plain; charset=UTF-8"},
		{Name: "malformed content type is the default", Req: valid(text).with("content-type", "not a media type"), Status: 202, Stored: ptr(text)},
		{Name: "longest content type kept", Req: valid(text).with("content-type", longestType), Status: 202, Stored: ptr(text), ContentType: longestType},
		{Name: "content type over the bound", Req: valid(text).with("content-type", longestType+"a"), Status: 400, Message: typeTooLong},

		// Integrity: digests the client sends are checked against the bytes received.
		{Name: "Content-Digest sha-256 matches", Req: valid(text).with("content-digest", "sha-256=:"+sha256b64(text)+":"), Status: 202, Stored: ptr(text)},
		{Name: "Content-Digest with another algorithm too", Req: valid(text).with("content-digest", "sha-512=:"+sha512b64(text)+":, sha-256=:"+sha256b64(text)+":"), Status: 202, Stored: ptr(text)},
		{Name: "Content-Digest of other bytes", Req: valid(text).with("content-digest", "sha-256=:"+sha256b64("other")+":"), Status: 400, Message: digestMismatch},
		{Name: "Content-Digest of base64 checks the decoded bytes", Req: asBase64(valid(text)).with("content-digest", "sha-256=:"+sha256b64(text)+":"), Status: 202, Stored: ptr(text)},
		{Name: "Content-Digest malformed", Req: valid(text).with("content-digest", "sha-256="+sha256b64(text)), Status: 400, Message: digestMalformed},
		{Name: "Content-MD5 matches", Req: valid(text).with("content-md5", md5b64(text)), Status: 202, Stored: ptr(text)},
		{Name: "Content-MD5 of other bytes", Req: valid(text).with("content-md5", md5b64("other")), Status: 400, Message: md5Mismatch},
		{Name: "Content-MD5 malformed", Req: valid(text).with("content-md5", "not-md5"), Status: 400, Message: md5Malformed},
	}
}

const (
	digestMismatch  = "The Content-Digest header's sha-256 does not match the request body: it was changed on the way, or the digest is of other bytes"
	digestMalformed = "The Content-Digest header must be a list such as sha-256=:<base64 of the SHA-256>:"
	md5Mismatch     = "The Content-MD5 header does not match the request body: it was changed on the way, or the digest is of other bytes"
	md5Malformed    = "The Content-MD5 header must be the base64 of the body's 16-byte MD5"
)

func sha256b64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func sha512b64(s string) string {
	sum := sha512.Sum512([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func md5b64(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}
