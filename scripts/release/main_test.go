package main

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"debug/macho"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestRelease builds the arm64 package twice: the zips are byte-identical and hold one file,
// bootstrap, executable, a static linux/arm64 ELF; their sizes are in the ranges docs/lambda.md states.
func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds the Lambda binary twice")
	}
	t.Chdir("../..") // the module root, where Package is
	var zips [2][]byte
	for i := range zips {
		dist := t.TempDir()
		var out bytes.Buffer
		if err := run([]string{"-arch", "arm64", "-out", dist, "-send=false"}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "s3-dropbox-lambda-arm64.zip: ") {
			t.Errorf("output %q does not report the zip and its size", out.String())
		}
		if i == 0 {
			checkREADMESizes(t, out.String())
		}
		b, err := os.ReadFile(filepath.Join(dist, "s3-dropbox-lambda-arm64.zip"))
		if err != nil {
			t.Fatal(err)
		}
		zips[i] = b
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Fatal("two builds made different zips")
	}
	t.Logf("zip: %d bytes", len(zips[0]))

	zr, err := zip.NewReader(bytes.NewReader(zips[0]), int64(len(zips[0])))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("zip holds %d files (first %q), want only bootstrap", len(zr.File), zr.File[0].Name)
	}
	f := zr.File[0]
	if f.Mode().Perm()&0o111 == 0 || !f.Mode().IsRegular() {
		t.Errorf("bootstrap mode %v, want an executable regular file", f.Mode())
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	e, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("bootstrap is not an ELF file: %v", err)
	}
	if e.Machine != elf.EM_AARCH64 || e.Class != elf.ELFCLASS64 || e.Type != elf.ET_EXEC {
		t.Errorf("ELF machine %v class %v type %v, want a 64-bit arm64 executable", e.Machine, e.Class, e.Type)
	}
	for _, p := range e.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("bootstrap has a %v program header: not static", p.Type)
		}
	}
	if e.Section(".symtab") != nil {
		t.Error("bootstrap has a symbol table: not stripped")
	}
}

func TestZipOneIsDeterministic(t *testing.T) {
	a, _ := zipOne("bootstrap", []byte("binary"))
	b, _ := zipOne("bootstrap", []byte("binary"))
	if !bytes.Equal(a, b) {
		t.Error("zipOne made two different zips of the same bytes")
	}
}

func TestBadArch(t *testing.T) {
	if err := run([]string{"-arch", "mips", "-out", t.TempDir()}, io.Discard); err == nil {
		t.Error("-arch mips succeeded, want an error")
	}
}

// TestSendBinaries: the sender for every platform, each an executable of its system and
// architecture, static.
func TestSendBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds the sender four times")
	}
	t.Chdir("../..")
	dist := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"-arch", "arm64", "-out", dist}, &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"linux-amd64":  elf.EM_X86_64,
		"linux-arm64":  elf.EM_AARCH64,
		"darwin-amd64": macho.CpuAmd64,
		"darwin-arm64": macho.CpuArm64,
	}
	for platform, machine := range want {
		path := filepath.Join(dist, "s3-dropbox-send-"+platform)
		if !strings.Contains(out.String(), path+": ") {
			t.Errorf("output %q does not report %s", out.String(), path)
		}
		switch m := machine.(type) {
		case elf.Machine:
			f, err := elf.Open(path)
			if err != nil {
				t.Fatalf("%s: %v", platform, err)
			}
			if f.Machine != m {
				t.Errorf("%s: machine %v, want %v", platform, f.Machine, m)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Errorf("%s: dynamically linked", platform)
				}
			}
			f.Close()
		case macho.Cpu:
			f, err := macho.Open(path)
			if err != nil {
				t.Fatalf("%s: %v", platform, err)
			}
			if f.Cpu != m || f.Type != macho.TypeExec {
				t.Errorf("%s: cpu %v type %v, want %v executable", platform, f.Cpu, f.Type, m)
			}
			f.Close()
		}
	}
	// The one for this machine runs.
	if runtime.GOOS == "linux" {
		cmd := exec.Command(filepath.Join(dist, "s3-dropbox-send-linux-"+runtime.GOARCH), "-h")
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Usage: s3-dropbox-send") {
			t.Errorf("the linux/%s sender -h: %v\n%s", runtime.GOARCH, err, out)
		}
	}
}
