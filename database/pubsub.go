package database

import "goredis/interface/resp"

// unsubscribeAll drops every subscription of c.
func (s *Server) unsubscribeAll(c resp.Connection) {
	st := c.State()
	st.Channels, st.Patterns, st.ShardChannels = nil, nil, nil
}
