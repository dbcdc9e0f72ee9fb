package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// readPayload reads file (standard input for "-") up to maxBytes: it reads at most one byte
// more, and a payload beyond the limit is an error, whatever follows (an endless input
// included).
func readPayload(file string, stdin io.Reader, maxBytes int) ([]byte, error) {
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("cannot read it: %w", withoutName(err))
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %w", withoutName(err))
	}
	if len(data) > maxBytes {
		return nil, fmt.Errorf("over the limit of %d bytes (-max-bytes): not sent", maxBytes)
	}
	return data, nil
}

// withoutName returns a file's error without the file's name, which the report's line starts
// with already (printed so that it cannot forge a line, as the error's copy was not).
func withoutName(err error) error {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
