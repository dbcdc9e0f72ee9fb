package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// childPID returns the id of the process that parent started from the executable path (its
// argv[0]), read from proc, a /proc file system (os.DirFS("/proc")).
func childPID(proc fs.FS, parent int, path string) (int, error) {
	entries, err := fs.ReadDir(proc, ".")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		stat, err := fs.ReadFile(proc, e.Name()+"/stat")
		if err != nil {
			continue // the process ended since the listing
		}
		ppid, err := parentPID(string(stat))
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		if ppid != parent {
			continue
		}
		cmdline, err := fs.ReadFile(proc, e.Name()+"/cmdline")
		if err != nil {
			continue
		}
		if argv0, _, _ := bytes.Cut(cmdline, []byte{0}); string(argv0) == path {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no child of process %d runs %s", parent, path)
}

// parentPID returns the parent's id from the text of /proc/<pid>/stat: "pid (comm) state
// ppid …", where comm, the executable's name, may hold spaces and parentheses.
func parentPID(stat string) (int, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no (comm) in %q", stat)
	}
	fields := strings.Fields(stat[i+1:])
	if len(fields) < 2 {
		return 0, fmt.Errorf("no state and ppid after (comm) in %q", stat)
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, fmt.Errorf("ppid %q: %w", fields[1], err)
	}
	return ppid, nil
}

// peakRSS returns the process's peak resident set size in bytes, VmHWM in the text of
// /proc/<pid>/status ("VmHWM:	   10240 kB").
func peakRSS(status string) (int64, error) {
	for line := range strings.Lines(status) {
		value, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("VmHWM line %q: want a number of kB", strings.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb <= 0 {
			return 0, fmt.Errorf("VmHWM line %q: want a positive number of kB", strings.TrimSpace(line))
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no VmHWM line in the process status")
}
