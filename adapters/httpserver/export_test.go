package httpserver

// SetTestHooks sets s's test hooks: draining runs once /readyz answers 503, evicted each time
// the connection cap closes a connection to make room (nil: none).
func SetTestHooks(s *Server, draining, evicted func()) {
	s.testHookDraining, s.testHookEvicted = draining, evicted
}
