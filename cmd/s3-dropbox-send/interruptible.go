package main

import "context"

// interruptible returns what f returns, or ctx's error as soon as ctx ends (a Ctrl-C while a
// terminal, a pipe or a FIFO has nothing to give): f is then left to finish on its own, which
// the command, about to exit, does not wait for.
func interruptible[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, err := f()
		done <- answer{v, err}
	}()
	select {
	case a := <-done:
		return a.v, a.err
	case <-ctx.Done():
		select {
		case a := <-done: // f's answer came as well: it counts
			return a.v, a.err
		default:
		}
		var zero T
		return zero, ctx.Err()
	}
}
