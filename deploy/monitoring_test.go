package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface"
	"github.com/s3-dropbox/s3-dropbox/ports"
)

// codes are the error codes (the reasons of the log lines and metrics): every string constant
// E… of package domain (the core's) and of package httpface (the server's), read from their
// source, so that a code added later is checked too.
var codes = func() []string {
	fset := token.NewFileSet()
	domainFiles, err := filepath.Glob("../domain/*.go")
	if err != nil {
		panic(err)
	}
	faceFiles, err := filepath.Glob("../httpface/*.go")
	if err != nil {
		panic(err)
	}
	files := append(domainFiles, faceFiles...)
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			panic(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				v := spec.(*ast.ValueSpec)
				for i, n := range v.Names {
					if len(n.Name) < 2 || n.Name[0] != 'E' || !unicode.IsUpper(rune(n.Name[1])) || i >= len(v.Values) {
						continue
					}
					if lit, ok := v.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						code, _ := strconv.Unquote(lit.Value)
						out = append(out, code)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}()

// TestCodesRead: the codes read from the source are the constants.
func TestCodesRead(t *testing.T) {
	for _, c := range []string{domain.EUnauthorizedCDN, domain.EStorage, domain.EStorageUnknown, domain.EBusy, domain.EInternal} {
		if !slices.Contains(codes, c) {
			t.Errorf("codes %v: no %s", codes, c)
		}
	}
}

// serverOnly are the codes only the HTTP server answers (its budget of bytes in flight);
// the function never does.
var serverOnly = []string{domain.EBusy}

// deployParams are the parameters the conditions read, as a stack deployed with the defaults
// in eu-west-1 has them.
func deployParams(t *testing.T, tmpl object) map[string]any {
	t.Helper()
	p := map[string]any{"AWS::Region": "eu-west-1", "WafAllowedCidrs": []any{""}}
	for _, name := range []string{"ReservedConcurrency", "ExpireAfterDays", "WebAclArn", "DropNotifications", "Monitoring", "MetricsNamespace", "AlarmEmail", "WafRateLimits"} {
		p[name] = get(t, tmpl, "Parameters", name, "Default")
	}
	return p
}

// made returns the resources a stack with params makes, after evaluating every condition as
// CloudFormation does.
func made(t *testing.T, tmpl object, params map[string]any) map[string]bool {
	t.Helper()
	all, _ := madeWith(t, tmpl, params)
	return all
}

// madeWith is made, with the value of every condition.
func madeWith(t *testing.T, tmpl object, params map[string]any) (map[string]bool, map[string]bool) {
	t.Helper()
	params = maps.Clone(params)
	conds := get(t, tmpl, "Conditions").(object)
	var eval func(name string) bool
	eval = func(name string) bool {
		if v, ok := params[conditionKey+name]; ok {
			return v.(bool)
		}
		def, ok := conds[name]
		if !ok {
			t.Fatalf("no condition %s", name)
		}
		for _, dep := range conditionRefs(def) {
			eval(dep)
		}
		v := evalRule(t, def, params).(bool)
		params[conditionKey+name] = v
		return v
	}
	out := map[string]bool{}
	for name, r := range get(t, tmpl, "Resources").(object) {
		c, ok := r.(object)["Condition"]
		if !ok || eval(c.(string)) {
			out[name] = true
		}
	}
	values := map[string]bool{}
	for name := range conds {
		values[name] = eval(name)
	}
	return out, values
}

// conditionRefs returns the conditions that a condition's definition names.
func conditionRefs(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			out = append(out, conditionRefs(e)...)
		}
	case object:
		for k, e := range v {
			switch k {
			case "Condition":
				out = append(out, e.(string))
			case "Fn::And", "Fn::Or": // goformation reads !Condition X in them as "X"
				for _, c := range e.([]any) {
					if name, ok := c.(string); ok {
						out = append(out, name)
					} else {
						out = append(out, conditionRefs(c)...)
					}
				}
			default:
				out = append(out, conditionRefs(e)...)
			}
		}
	}
	return out
}

// optional are the resources of the notifications and the monitoring, all optional.
var optional = []string{
	"DropQueue", "DropDeadLetterQueue", "DropRule", "DropQueuePolicy", "DropDeadLetterQueuePolicy", "ConsumerPolicy",
	"AlarmTopic", "AlarmEmailSubscription", "DropsNotStoredAlarm", "OutcomeUnknownAlarm", "FunctionErrorsAlarm",
	"FunctionThrottlesAlarm", "Cdn5xxAlarm", "DeadLettersAlarm", "QueueAgeAlarm", "Dashboard",
}

var (
	queueParts  = []string{"DropQueue", "DropDeadLetterQueue", "DropRule", "DropQueuePolicy", "DropDeadLetterQueuePolicy", "ConsumerPolicy"}
	dropAlarms  = []string{"DropsNotStoredAlarm", "OutcomeUnknownAlarm", "Dashboard"}
	funcAlarms  = []string{"AlarmTopic", "FunctionErrorsAlarm", "FunctionThrottlesAlarm"}
	defaultMade = slices.Concat(funcAlarms, dropAlarms)
)

// TestOptionalParts: notifications are off by default and made whole when on; the alarms,
// their topic and the dashboard are on by default and gone with Monitoring=false; no alarm is
// made that could never fire (drop alarms without metrics, the CloudFront alarm outside
// us-east-1, where CloudFront's metrics are not).
func TestOptionalParts(t *testing.T) {
	tmpl, _ := load(t)
	tests := []struct {
		name string
		set  map[string]any
		want []string
	}{
		{"defaults", nil, defaultMade},
		{"defaults in us-east-1", map[string]any{"AWS::Region": "us-east-1"}, append(slices.Clone(defaultMade), "Cdn5xxAlarm")},
		{"an alarm email", map[string]any{"AlarmEmail": "ops@example.com"}, append(slices.Clone(defaultMade), "AlarmEmailSubscription")},
		{"no metrics namespace", map[string]any{"MetricsNamespace": ""}, funcAlarms},
		{"no monitoring", map[string]any{"Monitoring": "false"}, nil},
		{"no monitoring in us-east-1", map[string]any{"Monitoring": "false", "AWS::Region": "us-east-1"}, nil},
		{"notifications", map[string]any{"DropNotifications": "true"}, slices.Concat(defaultMade, queueParts, []string{"DeadLettersAlarm", "QueueAgeAlarm"})},
		{"notifications, no monitoring", map[string]any{"DropNotifications": "true", "Monitoring": "false"}, queueParts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := deployParams(t, tmpl)
			maps.Copy(params, tt.set)
			all := made(t, tmpl, params)
			var got []string
			for _, name := range optional {
				if all[name] {
					got = append(got, name)
				}
			}
			sort.Strings(got)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Errorf("made %v, want %v", got, want)
			}
			for _, name := range []string{"DropBucket", "Function", "Distribution"} {
				if !all[name] {
					t.Errorf("%s not made", name)
				}
			}
		})
	}
	for _, name := range optional {
		if get(t, tmpl, "Resources", name, "Condition") == nil {
			t.Errorf("%s has no condition: want it optional", name)
		}
	}
	for name, want := range map[string]string{"DropNotifications": "false", "Monitoring": "true", "AlarmEmail": ""} {
		if got := get(t, tmpl, "Parameters", name, "Default"); got != want {
			t.Errorf("%s default %q, want %q", name, got, want)
		}
	}
}

// TestOutputsFollowTheirResources: each output of an optional resource is made exactly when
// the resource is.
func TestOutputsFollowTheirResources(t *testing.T) {
	tmpl, _ := load(t)
	for out, res := range map[string]string{
		"AlarmTopicArn": "AlarmTopic", "DashboardUrl": "Dashboard", "DropQueueUrl": "DropQueue", "DropQueueArn": "DropQueue",
		"DropDeadLetterQueueUrl": "DropDeadLetterQueue", "ConsumerPolicyArn": "ConsumerPolicy",
	} {
		if got, want := get(t, tmpl, "Outputs", out, "Condition"), get(t, tmpl, "Resources", res, "Condition"); got != want {
			t.Errorf("output %s: condition %v, want %v (its resource's)", out, got, want)
		}
	}
}

// matches reports whether an EventBridge pattern field (a list of values, or of
// {"anything-but": {"prefix": …}}) matches value.
func matches(t *testing.T, field any, value string) bool {
	t.Helper()
	for _, alt := range field.([]any) {
		switch a := alt.(type) {
		case string:
			if a == value {
				return true
			}
		case object:
			p, ok := get(t, a, "anything-but", "prefix").(string)
			if !ok || len(a) != 1 {
				t.Fatalf("pattern %v: not known to this test", a)
			}
			if !strings.HasPrefix(value, p) {
				return true
			}
		default:
			t.Fatalf("pattern %v: not known to this test", a)
		}
	}
	return false
}

// TestDropNotifications: the bucket's events go to EventBridge, whose rule sends each new
// drop, whatever the key layout, to the queue, and never an idempotency record; what cannot be
// delivered goes to the dead-letter queue, as do notifications consumers fail; only that rule
// may send to either queue.
func TestDropNotifications(t *testing.T) {
	tmpl, _ := load(t)
	nc := get(t, tmpl, "Resources", "DropBucket", "Properties", "NotificationConfiguration", "Fn::If").([]any)
	want := []any{"NotifyDrops", object{"EventBridgeConfiguration": object{"EventBridgeEnabled": true}}, ref("AWS::NoValue")}
	if !reflect.DeepEqual(nc, want) {
		t.Errorf("bucket notifications %v, want %v", nc, want)
	}
	rule := get(t, tmpl, "Resources", "DropRule", "Properties").(object)
	pattern := rule["EventPattern"].(object)
	if !reflect.DeepEqual(pattern["source"], []any{"aws.s3"}) || !reflect.DeepEqual(pattern["detail-type"], []any{"Object Created"}) {
		t.Errorf("event pattern %v: want aws.s3 Object Created", pattern)
	}
	if got := get(t, pattern, "detail", "bucket", "name"); !reflect.DeepEqual(got, []any{ref("DropBucket")}) {
		t.Errorf("bucket in the pattern %v, want the drop bucket", got)
	}
	keys := get(t, pattern, "detail", "object", "key")
	at := time.Date(2026, 12, 1, 9, 30, 0, 123456000, time.UTC)
	id := "0f8fad5b-d9cb-469f-a165-70867728950e"
	for _, prefix := range []string{"", "drops/", "dt=2026-12-01/", "team-a/in.box/dt=2026-12-01/", "x"} {
		if key := prefix + domain.Key(at, id); !matches(t, keys, key) {
			t.Errorf("drop %q is not announced", key)
		}
	}
	record := domain.RecordPrefix + strings.Repeat("ab", 32)
	for _, key := range []string{record, url.QueryEscape(record)} {
		if matches(t, keys, key) {
			t.Errorf("idempotency record %q is announced", key)
		}
	}
	if rule["State"] != "ENABLED" {
		t.Errorf("rule state %v", rule["State"])
	}
	target := get(t, rule, "Targets", 0).(object)
	if !reflect.DeepEqual(target["Arn"], getAtt("DropQueue", "Arn")) || !reflect.DeepEqual(get(t, target, "DeadLetterConfig", "Arn"), getAtt("DropDeadLetterQueue", "Arn")) {
		t.Errorf("rule target %v: want the drop queue, undeliverable events to the dead-letter queue", target)
	}

	queue := get(t, tmpl, "Resources", "DropQueue", "Properties").(object)
	dlq := get(t, tmpl, "Resources", "DropDeadLetterQueue", "Properties").(object)
	if want := (object{"deadLetterTargetArn": getAtt("DropDeadLetterQueue", "Arn"), "maxReceiveCount": 5.0}); !reflect.DeepEqual(queue["RedrivePolicy"], want) {
		t.Errorf("redrive %v, want %v", queue["RedrivePolicy"], want)
	}
	const day = 86400.0
	if queue["MessageRetentionPeriod"] != 7*day || dlq["MessageRetentionPeriod"] != 14*day {
		t.Errorf("retention %v s and %v s, want 7 days and 14 (the dead letters longer: SQS keeps a message's first enqueue time)", queue["MessageRetentionPeriod"], dlq["MessageRetentionPeriod"])
	}
	if queue["SqsManagedSseEnabled"] != true || dlq["SqsManagedSseEnabled"] != true {
		t.Error("a queue without encryption at rest")
	}
	for policy, q := range map[string]string{"DropQueuePolicy": "DropQueue", "DropDeadLetterQueuePolicy": "DropDeadLetterQueue"} {
		p := get(t, tmpl, "Resources", policy, "Properties").(object)
		if !reflect.DeepEqual(p["Queues"], []any{ref(q)}) {
			t.Errorf("%s on %v, want %s", policy, p["Queues"], q)
		}
		sts := get(t, p, "PolicyDocument", "Statement").([]any)
		st := sts[0].(object)
		if len(sts) != 1 || st["Effect"] != "Allow" || st["Action"] != "sqs:SendMessage" ||
			!reflect.DeepEqual(st["Principal"], object{"Service": "events.amazonaws.com"}) ||
			!reflect.DeepEqual(st["Resource"], getAtt(q, "Arn")) ||
			!reflect.DeepEqual(st["Condition"], object{"ArnEquals": object{"aws:SourceArn": getAtt("DropRule", "Arn")}}) {
			t.Errorf("%s: %v; want only the drop rule to send", policy, sts)
		}
	}
}

// TestConsumerPolicy: a consumer may read and delete notifications, and read the drops, and
// nothing else: not the idempotency records, not the dead letters, no write.
func TestConsumerPolicy(t *testing.T) {
	tmpl, _ := load(t)
	var got []string
	for _, s := range get(t, tmpl, "Resources", "ConsumerPolicy", "Properties", "PolicyDocument", "Statement").([]any) {
		st := s.(object)
		for _, a := range statementActions(st) {
			got = append(got, fmt.Sprintf("%s %s %v", st["Effect"], a, st["Resource"]))
		}
	}
	sort.Strings(got)
	queue := fmt.Sprint(getAtt("DropQueue", "Arn"))
	want := []string{
		"Allow s3:GetObject " + fmt.Sprint(object{"Fn::Sub": "${DropBucket.Arn}/${KeyPrefix}*"}),
		"Allow sqs:ChangeMessageVisibility " + queue,
		"Allow sqs:DeleteMessage " + queue,
		"Allow sqs:GetQueueAttributes " + queue,
		"Allow sqs:ReceiveMessage " + queue,
		"Deny s3:GetObject " + fmt.Sprint(object{"Fn::Sub": "${DropBucket.Arn}/" + domain.RecordPrefix + "*"}),
	}
	if !slices.Equal(got, want) {
		t.Errorf("consumer policy\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// emfMetrics returns the metrics CloudWatch extracts from the function's request lines (the
// Recorder's own output, for every kind of drop): namespace, name and dimensions, as
// "S3Dropbox Drops outcome=not_stored reason=storage".
func emfMetrics(t *testing.T) map[string]bool {
	t.Helper()
	var buf bytes.Buffer
	rec := httpface.NewRecorder(slog.New(slog.NewJSONHandler(&buf, nil)), "S3Dropbox")
	ctx := context.Background()
	rec.Record(ctx, "1", ports.DropResult{Key: "k", Size: 14, Client: domain.DefaultClient, StoreTried: true, StoreDuration: time.Millisecond}, nil, time.Millisecond)
	rec.Record(ctx, "2", ports.DropResult{Key: "k", Size: 14, Client: domain.DefaultClient, Replayed: true}, nil, time.Millisecond)
	for _, code := range codes {
		res := ports.DropResult{Client: domain.DefaultClient}
		if httpface.Status(code) >= 500 {
			res.StoreTried, res.StoreDuration = true, time.Millisecond
		}
		rec.Record(ctx, code, res, &domain.Error{Code: code, Message: "m", Err: errors.New("cause")}, time.Millisecond)
	}
	out := map[string]bool{}
	for line := range bytes.Lines(buf.Bytes()) {
		var l map[string]any
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatal(err)
		}
		if l["msg"] != "drop" { // the once-per-process line of a denied read: no metrics
			continue
		}
		for _, d := range get(t, l, "_aws", "CloudWatchMetrics").([]any) {
			for _, dims := range get(t, d, "Dimensions").([]any) {
				var parts []string
				for _, name := range dims.([]any) {
					parts = append(parts, fmt.Sprintf("%s=%v", name, l[name.(string)]))
				}
				sort.Strings(parts)
				for _, m := range get(t, d, "Metrics").([]any) {
					out[metricKey(get(t, d, "Namespace").(string), get(t, m, "Name").(string), parts)] = true
				}
			}
		}
	}
	return out
}

func metricKey(namespace, name string, dims []string) string {
	return strings.Join(append([]string{namespace, name}, dims...), " ")
}

// alarmMetrics returns the metrics an alarm watches, as emfMetrics names them, with a
// MetricsNamespace of S3Dropbox.
func alarmMetrics(t *testing.T, props object) []string {
	t.Helper()
	key := func(m object) string {
		ns := m["Namespace"]
		if reflect.DeepEqual(ns, ref("MetricsNamespace")) {
			ns = "S3Dropbox"
		}
		var parts []string
		for _, d := range m["Dimensions"].([]any) {
			d := d.(object)
			parts = append(parts, fmt.Sprintf("%s=%v", d["Name"], d["Value"]))
		}
		sort.Strings(parts)
		return metricKey(fmt.Sprint(ns), m["MetricName"].(string), parts)
	}
	if _, ok := props["MetricName"]; ok {
		return []string{key(props)}
	}
	var out []string
	for _, m := range props["Metrics"].([]any) {
		if stat, ok := m.(object)["MetricStat"]; ok {
			out = append(out, key(get(t, stat, "Metric").(object)))
		}
	}
	return out
}

// TestAlarmsWatchWhatTheFunctionWrites: each drop alarm watches a metric the function's
// request lines carry (name, namespace and dimensions, from the Recorder's own output); the
// not-stored alarm watches 503s, the outcome-unknown one 504s and 500s, and every 5xx reason
// the function can answer is watched.
func TestAlarmsWatchWhatTheFunctionWrites(t *testing.T) {
	tmpl, _ := load(t)
	written := emfMetrics(t)
	watched := map[string]string{} // reason -> alarm
	for _, name := range []string{"DropsNotStoredAlarm", "OutcomeUnknownAlarm"} {
		props := get(t, tmpl, "Resources", name, "Properties").(object)
		for _, m := range alarmMetrics(t, props) {
			if !written[m] {
				t.Errorf("%s watches %q, which the function never writes", name, m)
			}
			if reason, ok := strings.CutPrefix(m[strings.LastIndex(m, " ")+1:], "reason="); ok {
				watched[reason] = name
			}
		}
	}
	for reason, alarm := range watched {
		want := []int{http.StatusServiceUnavailable}
		if alarm == "OutcomeUnknownAlarm" {
			want = []int{http.StatusGatewayTimeout, http.StatusInternalServerError}
		}
		if got := httpface.Status(reason); !slices.Contains(want, got) {
			t.Errorf("%s watches reason %s, answered %d; want %v", alarm, reason, got, want)
		}
	}
	for _, code := range codes {
		if httpface.Status(code) >= 500 && !slices.Contains(serverOnly, code) && watched[code] == "" {
			t.Errorf("reason %s (%d) is watched by no alarm", code, httpface.Status(code))
		}
	}
	expr := get(t, tmpl, "Resources", "OutcomeUnknownAlarm", "Properties", "Metrics", 3).(object)
	if expr["Expression"] != "FILL(unknown, 0) + FILL(internal, 0) + FILL(denied, 0)" || expr["ReturnData"] != true {
		t.Errorf("outcome-unknown expression %v", expr)
	}
}

// TestAlarms: every alarm notifies the topic when it fires and when it is OK again; no
// traffic is no alarm (a missing data point does not breach); the periods are as
// deploy/README.md says, and each threshold is a parameter with the default it justifies.
func TestAlarms(t *testing.T) {
	tmpl, _ := load(t)
	type shape struct {
		param            string // the threshold's parameter, "" for a fixed 1
		dflt             float64
		period, of, need float64 // seconds; evaluation periods; data points to alarm
		metrics          []string
	}
	want := map[string]shape{
		"DropsNotStoredAlarm":    {"NotStoredThreshold", 1, 300, 6, 2, []string{"S3Dropbox Drops outcome=not_stored reason=storage"}},
		"OutcomeUnknownAlarm":    {"UnknownOutcomeThreshold", 1, 300, 1, 1, []string{"S3Dropbox Drops outcome=unknown reason=storage_unknown", "S3Dropbox Drops outcome=unknown reason=internal", "S3Dropbox Drops outcome=unknown reason=storage_denied"}},
		"FunctionErrorsAlarm":    {"FunctionErrorsThreshold", 1, 300, 1, 1, []string{"AWS/Lambda Errors FunctionName=map[Ref:Function]"}},
		"FunctionThrottlesAlarm": {"ThrottlesThreshold", 1, 300, 6, 2, []string{"AWS/Lambda Throttles FunctionName=map[Ref:Function]"}},
		"Cdn5xxAlarm":            {"Cdn5xxRatePercent", 1, 300, 2, 2, []string{"AWS/CloudFront 5xxErrorRate DistributionId=map[Ref:Distribution] Region=Global", "AWS/CloudFront 4xxErrorRate DistributionId=map[Ref:Distribution] Region=Global"}},
		"DeadLettersAlarm":       {"", 1, 300, 1, 1, []string{"AWS/SQS ApproximateNumberOfMessagesVisible QueueName=map[Fn::GetAtt:DropDeadLetterQueue.QueueName]"}},
		"QueueAgeAlarm":          {"QueueAgeSeconds", 3600, 300, 1, 1, []string{"AWS/SQS ApproximateAgeOfOldestMessage QueueName=map[Fn::GetAtt:DropQueue.QueueName]"}},
	}
	var alarms []string
	for name, r := range get(t, tmpl, "Resources").(object) {
		if r.(object)["Type"] == "AWS::CloudWatch::Alarm" {
			alarms = append(alarms, name)
		}
	}
	if got := slices.Sorted(slices.Values(alarms)); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("alarms %v, want %v", got, slices.Sorted(maps.Keys(want)))
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			p := get(t, tmpl, "Resources", name, "Properties").(object)
			topic := []any{ref("AlarmTopic")}
			if !reflect.DeepEqual(p["AlarmActions"], topic) || !reflect.DeepEqual(p["OKActions"], topic) {
				t.Errorf("actions %v, OK actions %v: want the alarm topic for both", p["AlarmActions"], p["OKActions"])
			}
			if p["TreatMissingData"] != "notBreaching" {
				t.Errorf("TreatMissingData %v, want notBreaching: no traffic is no alarm", p["TreatMissingData"])
			}
			period := p["Period"]
			if period == nil {
				period = get(t, p, "Metrics", 0, "MetricStat", "Period")
			}
			if period != w.period || p["EvaluationPeriods"] != w.of || p["DatapointsToAlarm"] != w.need {
				t.Errorf("%v s, %v of %v periods; want %v s, %v of %v", period, p["DatapointsToAlarm"], p["EvaluationPeriods"], w.period, w.need, w.of)
			}
			if got := alarmMetrics(t, p); !slices.Equal(got, w.metrics) {
				t.Errorf("watches %q, want %q", got, w.metrics)
			}
			// A Unit must equal the one the data points carry, or the alarm sees none of them
			// and can never fire: no alarm names one.
			units := []any{p["Unit"]}
			if ms, ok := p["Metrics"].([]any); ok {
				for _, m := range ms {
					if stat, ok := m.(object)["MetricStat"].(object); ok {
						units = append(units, stat["Unit"])
					}
				}
			}
			for _, u := range units {
				if u != nil {
					t.Errorf("names the unit %v: an alarm whose unit differs from its data points' never fires", u)
				}
			}
			if w.param == "" {
				if p["Threshold"] != w.dflt {
					t.Errorf("threshold %v, want %v", p["Threshold"], w.dflt)
				}
				return
			}
			if !reflect.DeepEqual(p["Threshold"], ref(w.param)) {
				t.Errorf("threshold %v, want Ref %s", p["Threshold"], w.param)
			}
			param := get(t, tmpl, "Parameters", w.param).(object)
			if param["Type"] != "Number" || param["Default"] != w.dflt || param["MinValue"] == nil {
				t.Errorf("parameter %s %v: want a Number defaulting to %v, with a MinValue", w.param, param, w.dflt)
			}
		})
	}
}

// TestAlarmEmail: the parameter takes one address or nothing, and subscribes it by email.
func TestAlarmEmail(t *testing.T) {
	tmpl, _ := load(t)
	for _, tt := range []struct {
		value string
		want  bool
	}{
		{"", true}, {"ops@example.com", true}, {"a.b+alarms@sub.example.co.uk", true},
		{"ops", false}, {"ops@", false}, {"@example.com", false}, {"ops@example", false},
		{"a@example.com,b@example.com", false}, {"ops @example.com", false}, {"ops@exa mple.com", false},
	} {
		if got := allowed(t, tmpl, "AlarmEmail", tt.value); got != tt.want {
			t.Errorf("AlarmEmail=%q accepted %v, want %v", tt.value, got, tt.want)
		}
	}
	sub := get(t, tmpl, "Resources", "AlarmEmailSubscription", "Properties").(object)
	if want := (object{"TopicArn": ref("AlarmTopic"), "Protocol": "email", "Endpoint": ref("AlarmEmail")}); !reflect.DeepEqual(sub, want) {
		t.Errorf("subscription %v, want %v", sub, want)
	}
	for _, name := range []string{"DropNotifications", "Monitoring"} {
		if got := get(t, tmpl, "Parameters", name, "AllowedValues"); !reflect.DeepEqual(got, []any{"false", "true"}) {
			t.Errorf("%s allows %v, want false and true", name, got)
		}
	}
}

// subVar matches a ${…} of Fn::Sub.
var subVar = regexp.MustCompile(`\$\{([^}]+)\}`)

// TestDashboard: the dashboard's body is JSON once CloudFormation substitutes it; it shows the
// drops by outcome, payload sizes and storage latency from metrics the function writes, the
// function's and CloudFront's own (CloudFront's from us-east-1, where they are), and alarms
// that exist whenever the dashboard does.
func TestDashboard(t *testing.T) {
	tmpl, _ := load(t)
	body := get(t, tmpl, "Resources", "Dashboard", "Properties", "DashboardBody", "Fn::Sub").(string)
	var alarmRefs []string
	body = subVar.ReplaceAllStringFunc(body, func(v string) string {
		name := v[2 : len(v)-1]
		switch {
		case name == "MetricsNamespace":
			return "S3Dropbox"
		case name == "AWS::Region":
			return "eu-west-1"
		case strings.HasSuffix(name, "Alarm.Arn"):
			alarmRefs = append(alarmRefs, strings.TrimSuffix(name, ".Arn"))
			return "arn:" + name
		case name == "Function" || name == "Distribution":
			return "ref:" + name
		}
		t.Errorf("dashboard substitutes %s: not known to this test", v)
		return v
	})
	var dash struct {
		Widgets []struct {
			Type       string
			Properties struct {
				Title   string
				Region  string
				Metrics [][]any
				Alarms  []string
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &dash); err != nil {
		t.Fatalf("dashboard body is not JSON once substituted: %v", err)
	}
	written := emfMetrics(t)
	var titles []string
	for _, w := range dash.Widgets {
		titles = append(titles, w.Properties.Title)
		for _, m := range w.Properties.Metrics {
			var ns, name string
			var dims []string
			for i, v := range m {
				s, ok := v.(string)
				switch {
				case i == 0:
					ns = s
				case i == 1:
					name = s
				case ok && i%2 == 0 && i+1 < len(m):
					dims = append(dims, fmt.Sprintf("%s=%v", s, m[i+1]))
				}
			}
			sort.Strings(dims)
			key := metricKey(ns, name, dims)
			switch ns {
			case "S3Dropbox":
				if !written[key] {
					t.Errorf("widget %q shows %q, which the function never writes", w.Properties.Title, key)
				}
			case "AWS/Lambda":
				if !slices.Equal(dims, []string{"FunctionName=ref:Function"}) {
					t.Errorf("widget %q: %q is not the stack's function", w.Properties.Title, key)
				}
			case "AWS/CloudFront":
				if w.Properties.Region != "us-east-1" || !slices.Equal(dims, []string{"DistributionId=ref:Distribution", "Region=Global"}) {
					t.Errorf("widget %q: %q in %s; want the stack's distribution, from us-east-1", w.Properties.Title, key, w.Properties.Region)
				}
			default:
				t.Errorf("widget %q shows %q: a namespace not known to this test", w.Properties.Title, key)
			}
		}
	}
	for _, want := range []string{"Drops by outcome", "Payload sizes", "Storage latency"} {
		if !slices.ContainsFunc(titles, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no widget %q in %q", want, titles)
		}
	}
	if len(alarmRefs) == 0 {
		t.Error("the dashboard shows no alarm")
	}
	for _, set := range []map[string]any{nil, {"AWS::Region": "us-east-1"}, {"DropNotifications": "true"}, {"MetricsNamespace": "Team/Drops"}} {
		params := deployParams(t, tmpl)
		maps.Copy(params, set)
		all := made(t, tmpl, params)
		for _, a := range alarmRefs {
			if all["Dashboard"] && !all[a] {
				t.Errorf("with %v the dashboard shows %s, which is not made", set, a)
			}
		}
	}
}

// TestQueueAgeCanFire: the queue-age alarm fires above QueueAgeSeconds, so every value the
// parameter takes must leave a notification old enough to pass it before the queue drops it
// at its retention (SQS's oldest age stays below the retention).
func TestQueueAgeCanFire(t *testing.T) {
	tmpl, _ := load(t)
	retention := get(t, tmpl, "Resources", "DropQueue", "Properties", "MessageRetentionPeriod").(float64)
	maxAge := get(t, tmpl, "Parameters", "QueueAgeSeconds", "MaxValue").(float64)
	if maxAge >= retention {
		t.Errorf("QueueAgeSeconds MaxValue %v, want below the queue's retention %v: at it the alarm can never fire", maxAge, retention)
	}
}
