package deploy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/s3-dropbox/s3-dropbox/adapters/httpserver"
	"github.com/s3-dropbox/s3-dropbox/domain"
	"github.com/s3-dropbox/s3-dropbox/httpface/facetest"
	"github.com/s3-dropbox/s3-dropbox/wiring"
	"github.com/s3-dropbox/s3-dropbox/wiring/serve"
)

// k8sObject is one Kubernetes object of the manifests, as far as the tests read it.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	StringData map[string]string `yaml:"stringData"` // Secret
	Spec       yaml.Node         `yaml:"spec"`
}

type k8sDeploymentSpec struct {
	Replicas int `yaml:"replicas"`
	Strategy struct {
		Type string `yaml:"type"`
	} `yaml:"strategy"`
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec struct {
			TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
			SecurityContext               struct {
				RunAsNonRoot bool `yaml:"runAsNonRoot"`
				RunAsUser    int  `yaml:"runAsUser"`
				RunAsGroup   int  `yaml:"runAsGroup"`
				FSGroup      int  `yaml:"fsGroup"`
			} `yaml:"securityContext"`
			Containers []k8sContainer `yaml:"containers"`
			Volumes    []struct {
				Name                  string `yaml:"name"`
				PersistentVolumeClaim *struct {
					ClaimName string `yaml:"claimName"`
				} `yaml:"persistentVolumeClaim"`
			} `yaml:"volumes"`
		} `yaml:"spec"`
	} `yaml:"template"`
}

type k8sContainer struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
	ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
	Resources      struct {
		Limits map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"` // a port's name: the manifests name their ports
	} `yaml:"httpGet"`
}

type k8sServiceSpec struct {
	Selector map[string]string `yaml:"selector"`
	Ports    []struct {
		Name       string `yaml:"name"`
		Port       int    `yaml:"port"`
		TargetPort string `yaml:"targetPort"`
	} `yaml:"ports"`
}

// k8sManifests reads every object of deploy/kubernetes, by kind and name.
func k8sManifests(t *testing.T) map[string]k8sObject {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in kubernetes/: %v", err)
	}
	objects := map[string]k8sObject{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var o k8sObject
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Errorf("%s: an object without apiVersion, kind or name: %+v", f, o)
			}
			objects[o.Kind+"/"+o.Metadata.Name] = o
		}
	}
	return objects
}

// decodeSpec decodes an object's spec into v.
func decodeSpec(t *testing.T, o k8sObject, v any) {
	t.Helper()
	if err := o.Spec.Decode(v); err != nil {
		t.Fatalf("%s/%s: %v", o.Kind, o.Metadata.Name, err)
	}
}

// serverVariables returns the names of the variables the server's settings read (their
// envconfig tags, embedded structs' included), read by reflection.
func serverVariables() map[string]bool {
	vars := map[string]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if key := f.Tag.Get("envconfig"); key != "" {
				vars[key] = true
			} else if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeOf(wiring.ServerSettings{}))
	return vars
}

// imageConstant returns a constant of the image's build (scripts/release/image.go), which is
// a main package the tests cannot import.
func imageConstant(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile("../scripts/release/image.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + name + `\s*=\s*"?([^"\s]+)"?`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("scripts/release/image.go has no %s", name)
	}
	return string(m[1])
}

// TestKubernetesManifests: the manifests parse; the Deployment sets only variables the server
// reads, takes its tokens from the example Secret's keys, runs as the image's user with its
// group on the volume, mounted at STORAGE_DIR, the image's storage folder, on a read-only root
// filesystem; the Service reaches the drop listener's port; and the grace period covers the
// drain and the drops in flight.
func TestKubernetesManifests(t *testing.T) {
	objects := k8sManifests(t)
	dep, ok := objects["Deployment/s3-dropbox"]
	if !ok {
		t.Fatalf("no Deployment s3-dropbox among %v", keys(objects))
	}
	var spec k8sDeploymentSpec
	decodeSpec(t, dep, &spec)
	pod := spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	read := serverVariables()
	env := map[string]string{}
	for _, e := range c.Env {
		if !read[e.Name] {
			t.Errorf("the Deployment sets %s, which the server does not read", e.Name)
		}
		env[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			secret, ok := objects["Secret/"+ref.Name]
			if _, has := secret.StringData[ref.Key]; !ok || !has {
				t.Errorf("%s comes from the Secret %s's key %s, which the example Secret does not have", e.Name, ref.Name, ref.Key)
			}
		}
	}
	for _, required := range []string{"AUTH_TOKEN", "CDN_TOKEN", "CDN_TOKEN_HTTP_HEADER_NAME"} {
		if _, ok := env[required]; !ok {
			t.Errorf("the Deployment does not set %s", required)
		}
	}

	uid, _ := strconv.Atoi(strings.Split(imageConstant(t, "ImageUser"), ":")[0])
	sc := pod.SecurityContext
	if !sc.RunAsNonRoot || sc.RunAsUser != uid || sc.FSGroup != uid {
		t.Errorf("pod security context %+v, want runAsNonRoot, the image's user %d, and fsGroup %d for the volume", sc, uid, uid)
	}
	if csc := c.SecurityContext; !csc.ReadOnlyRootFilesystem || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation || len(csc.Capabilities.Drop) != 1 || csc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container security context %+v, want a read-only root, no privilege escalation, every capability dropped", csc)
	}
	if c.Resources.Limits["memory"] == "" {
		t.Error("no memory limit")
	}
	if env["STORAGE"] == wiring.StorageFilesystem {
		dataDir := imageConstant(t, "ImageDataDir")
		if env["STORAGE_DIR"] != dataDir {
			t.Errorf("STORAGE_DIR %q, want the image's storage folder %s", env["STORAGE_DIR"], dataDir)
		}
		mounted := false
		for _, m := range c.VolumeMounts {
			mounted = mounted || m.MountPath == env["STORAGE_DIR"]
		}
		if !mounted || len(pod.Volumes) == 0 || pod.Volumes[0].PersistentVolumeClaim == nil {
			t.Errorf("no persistent volume mounted at STORAGE_DIR %s", env["STORAGE_DIR"])
		} else if _, ok := objects["PersistentVolumeClaim/"+pod.Volumes[0].PersistentVolumeClaim.ClaimName]; !ok {
			t.Errorf("the volume claims %s, which the manifests do not make", pod.Volumes[0].PersistentVolumeClaim.ClaimName)
		}
		if spec.Replicas != 1 || spec.Strategy.Type != "Recreate" {
			t.Errorf("replicas %d, strategy %q: the filesystem store takes one writer per folder (1, Recreate)", spec.Replicas, spec.Strategy.Type)
		}
	}
	if grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second; grace <= httpserver.DefaultDrainPeriod+httpserver.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %v, want more than DRAIN %v and the shutdown's %v", grace, httpserver.DefaultDrainPeriod, httpserver.ShutdownTimeout)
	}
	if !reflect.DeepEqual(spec.Selector.MatchLabels, spec.Template.Metadata.Labels) {
		t.Errorf("selector %v, pod labels %v", spec.Selector.MatchLabels, spec.Template.Metadata.Labels)
	}

	svc, ok := objects["Service/s3-dropbox"]
	if !ok {
		t.Fatal("no Service s3-dropbox")
	}
	var ss k8sServiceSpec
	decodeSpec(t, svc, &ss)
	if !reflect.DeepEqual(ss.Selector, spec.Template.Metadata.Labels) {
		t.Errorf("the Service selects %v, the pods are %v", ss.Selector, spec.Template.Metadata.Labels)
	}
	if len(ss.Ports) != 1 || ss.Ports[0].TargetPort != "http" {
		t.Errorf("Service ports %+v, want one to the container's http port", ss.Ports)
	}
}

// TestKubernetesProbesServed: the server, run with the Deployment's environment (the example
// Secret's values replaced by working tokens, loopback addresses, the folder a test's own),
// serves the probes' paths with 200 on the listeners their ports name, which are not the drop
// listener; and takes a drop on the port the Service targets, at DROP_PATH.
func TestKubernetesProbesServed(t *testing.T) {
	objects := k8sManifests(t)
	var spec k8sDeploymentSpec
	decodeSpec(t, objects["Deployment/s3-dropbox"], &spec)
	c := spec.Template.Spec.Containers[0]
	tokens := map[string]string{"AUTH_TOKEN": domain.TokenDigest(facetest.AuthToken), "CDN_TOKEN": domain.TokenDigest(facetest.CDNToken)}
	for _, k := range []string{"ADDR", "PORT", "METRICS_ADDR", "STORAGE", "STORAGE_DIR", "BUCKET", "DROP_PATH", "DRAIN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil {
			v = tokens[e.Name]
		}
		t.Setenv(e.Name, v)
	}
	cfg, err := wiring.LoadServer()
	if err != nil {
		t.Fatalf("the Deployment's environment: %v", err)
	}
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	listener := map[int]string{} // container port → "drop" or "metrics"
	for name, addr := range map[string]string{"drop": cfg.ListenAddr(), "metrics": cfg.MetricsAddr} {
		if addr == "" {
			continue
		}
		_, p, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(p)
		listener[n] = name
	}
	if listener[ports["http"]] != "drop" {
		t.Errorf("the http port %d is not the drop listener's (%s)", ports["http"], cfg.ListenAddr())
	}

	cfg.Addr, cfg.MetricsAddr, cfg.DrainPeriod = "127.0.0.1:0", "127.0.0.1:0", 0
	if cfg.Storage == wiring.StorageFilesystem {
		cfg.StorageDir = t.TempDir()
	}
	addrs := runServer(t, cfg)
	for kind, p := range map[string]*k8sProbe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("no %s probe over HTTP", kind)
			continue
		}
		l := listener[ports[p.HTTPGet.Port]]
		if l != "metrics" {
			t.Errorf("the %s probe goes to port %q (%d), the %q listener: want the metrics listener, which an attack on the drop listener cannot fail", kind, p.HTTPGet.Port, ports[p.HTTPGet.Port], l)
			continue
		}
		resp, err := http.Get("http://" + addrs[l] + p.HTTPGet.Path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("the %s probe, GET %s on the %s listener: %d, want 200", kind, p.HTTPGet.Path, l, resp.StatusCode)
		}
	}
	if status := facetest.Post(t, "http://"+addrs["drop"]+cfg.DropPath, cfg.CDNHeaderName, "from the manifests").StatusCode; status != 202 {
		t.Errorf("a drop to %s: %d, want 202", cfg.DropPath, status)
	}
}

// runServer runs the server as cfg says until the test ends, and returns the addresses its
// "configured" line gives: the drop listener's and the metrics listener's.
func runServer(t *testing.T, cfg wiring.ServerSettings) map[string]string {
	t.Helper()
	limit := debug.SetMemoryLimit(-1) // the server sets the process's: the other tests keep theirs
	t.Cleanup(func() { debug.SetMemoryLimit(limit) })
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve.Run(ctx, cfg, w, io.Discard, nil); w.Close() }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	lines := bufio.NewScanner(r)
	for lines.Scan() {
		if !strings.Contains(lines.Text(), `"msg":"configured"`) {
			continue
		}
		addrs := map[string]string{}
		for name, field := range map[string]string{"drop": "addr", "metrics": "metrics_addr"} {
			if m := regexp.MustCompile(`"` + field + `":"([^"]*)"`).FindStringSubmatch(lines.Text()); m != nil {
				addrs[name] = m[1]
			}
		}
		go io.Copy(io.Discard, r)
		return addrs
	}
	t.Fatalf("the server stopped before it was configured: %v", <-done)
	return nil
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
