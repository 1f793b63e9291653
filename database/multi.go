package database

import "goredis/interface/resp"

// discardTransaction drops a queued transaction and its watches.
func (s *Server) discardTransaction(c resp.Connection) {
	st := c.State()
	st.InMulti = false
	st.TxDirty = false
	st.Queued = nil
	st.Watched = nil
}
