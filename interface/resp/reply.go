// Package resp holds the interfaces the RESP layer and the database meet at.
package resp

// Reply is a value that can be encoded on the wire. AppendTo appends its
// encoding in RESP2 (resp3 false) or RESP3 (resp3 true) to b and returns the
// extended slice.
type Reply interface {
	AppendTo(b []byte, resp3 bool) []byte
}

// ErrorReply is a Reply that is an error; Error returns the text without the
// leading '-' and trailing CRLF (e.g. "ERR syntax error").
type ErrorReply interface {
	Reply
	Error() string
}

// Deferred is a reply still being produced elsewhere (a command relayed
// to another node). Encoding it waits for it. The connection keeps the
// replies after it behind it and writes them at the end of the batch, so
// a pipeline's relays travel together instead of one round trip each.
type Deferred interface {
	Reply
	Deferred()
}
