package main

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParentPID(t *testing.T) {
	tests := []struct {
		name, stat string
		want       int
		wantErr    bool
	}{
		{"plain", "2287 (bootstrap) S 2202 2287 21922 0 -1 4194304 721", 2202, false},
		{"comm with spaces and parentheses", "42 (a) b (c)) R 7 42 42 0", 7, false},
		{"comm with a newline", "42 (x\ny) S 9 42", 9, false},
		{"no comm", "42 bootstrap S 7", 0, true},
		{"nothing after comm", "42 (bootstrap)", 0, true},
		{"no ppid", "42 (bootstrap) S", 0, true},
		{"ppid not a number", "42 (bootstrap) S x 42", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parentPID(tt.stat)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parentPID(%q) error %v, want error %v", tt.stat, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parentPID(%q) = %d, want %d", tt.stat, got, tt.want)
			}
		})
	}
}

func TestPeakRSS(t *testing.T) {
	tests := []struct {
		name, status string
		want         int64
		wantErr      bool
	}{
		{"status file", "Name:\tbootstrap\nVmPeak:\t 1268544 kB\nVmHWM:\t   14064 kB\nVmRSS:\t   14064 kB\n", 14064 * 1024, false},
		{"last line without newline", "Name:\tbootstrap\nVmHWM:\t1 kB", 1024, false},
		{"no VmHWM (a kernel thread)", "Name:\tkthreadd\nState:\tS (sleeping)\n", 0, true},
		{"another unit", "VmHWM:\t14064 MB\n", 0, true},
		{"no unit", "VmHWM:\t14064\n", 0, true},
		{"not a number", "VmHWM:\tmany kB\n", 0, true},
		{"zero", "VmHWM:\t0 kB\n", 0, true},
		{"VmHWM only as part of another name", "XVmHWM:\t5 kB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := peakRSS(tt.status)
			if (err != nil) != tt.wantErr {
				t.Fatalf("peakRSS error %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("peakRSS = %d, want %d", got, tt.want)
			}
		})
	}
}

// proc returns a /proc holding the processes pid → "ppid argv0".
func proc(procs map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"self":                 &fstest.MapFile{Data: []byte("1")}, // a link, not a process folder
		"sys/kernel/osrelease": &fstest.MapFile{Data: []byte("6.1")},
		"uptime":               &fstest.MapFile{Data: []byte("1.0 1.0")},
	}
	for pid, s := range procs {
		ppid, argv0, _ := strings.Cut(s, " ")
		fsys[pid+"/stat"] = &fstest.MapFile{Data: []byte(pid + " (" + argv0 + ") S " + ppid + " 1 1 0")}
		if argv0 != "" {
			fsys[pid+"/cmdline"] = &fstest.MapFile{Data: []byte(argv0 + "\x00--flag\x00")}
		}
	}
	return fsys
}

func TestChildPID(t *testing.T) {
	const rie, bin = 100, "/tmp/coldstart1/floor-amd64/bootstrap"
	tests := []struct {
		name    string
		procs   map[string]string
		want    int
		wantErr bool
	}{
		{"the bootstrap", map[string]string{"1": "0 /sbin/init", "100": "1 aws-lambda-rie", "101": "100 " + bin}, 101, false},
		{"among other children", map[string]string{"100": "1 aws-lambda-rie", "102": "100 /bin/sh", "103": "100 " + bin}, 103, false},
		{"another bootstrap of another emulator", map[string]string{"100": "1 aws-lambda-rie", "200": "1 aws-lambda-rie", "201": "200 " + bin}, 0, true},
		{"another executable of the emulator", map[string]string{"100": "1 aws-lambda-rie", "101": "100 " + bin + "-old"}, 0, true},
		{"a zombie, no command line", map[string]string{"100": "1 aws-lambda-rie", "101": "100 "}, 0, true},
		{"no child yet", map[string]string{"100": "1 aws-lambda-rie"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := childPID(proc(tt.procs), rie, bin)
			if (err != nil) != tt.wantErr {
				t.Fatalf("childPID error %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("childPID = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestChildPIDOnThisMachine finds a child of the test in the kernel's /proc, and reads the
// test's own peak RSS there.
func TestChildPIDOnThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("skipped: /proc is Linux's; coldstart runs on Linux only (the Lambda emulator)")
	}
	path, err := exec.LookPath("cat")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path)
	stdin, err := cmd.StdinPipe() // cat waits until the test closes it
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	got, err := childPID(os.DirFS("/proc"), os.Getpid(), path)
	if err != nil {
		t.Fatal(err)
	}
	if got != cmd.Process.Pid {
		t.Errorf("childPID = %d, want cat's %d", got, cmd.Process.Pid)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	rss, err := peakRSS(string(status))
	if err != nil {
		t.Fatal(err)
	}
	if rss < 1<<20 {
		t.Errorf("peak RSS of the test: %d bytes, want at least 1 MiB", rss)
	}
}
