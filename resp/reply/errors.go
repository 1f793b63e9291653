package reply

import (
	"strings"

	"goredis/interface/resp"
)

// Error is an error reply; its text includes the code ("ERR syntax error").
type Error string

// AppendTo implements resp.Reply. CR and LF in the text become spaces, as
// Redis does, so the reply stays one line.
func (e Error) AppendTo(b []byte, _ bool) []byte {
	b = append(b, '-')
	start := len(b)
	b = append(b, e...)
	for i := start; i < len(b); i++ {
		if b[i] == '\r' || b[i] == '\n' {
			b[i] = ' '
		}
	}
	return append(b, '\r', '\n')
}

// Error implements resp.ErrorReply.
func (e Error) Error() string { return string(e) }

// Err builds an error reply from a message, prefixing "ERR " unless the
// message starts with '-' (then the text after it carries its own code), as
// Redis's addReplyError does.
func Err(msg string) Error {
	if strings.HasPrefix(msg, "-") {
		return Error(msg[1:])
	}
	return Error("ERR " + msg)
}

// IsError reports whether r is an error reply.
func IsError(r resp.Reply) bool {
	_, ok := r.(resp.ErrorReply)
	return ok
}

// Redis's shared error replies, text as in server.c createSharedObjects.
var (
	WrongType      resp.Reply = Error("WRONGTYPE Operation against a key holding the wrong kind of value")
	SyntaxErr      resp.Reply = Error("ERR syntax error")
	NotInteger     resp.Reply = Error("ERR value is not an integer or out of range")
	NotFloat       resp.Reply = Error("ERR value is not a valid float")
	NoSuchKey      resp.Reply = Error("ERR no such key")
	OutOfRange     resp.Reply = Error("ERR index out of range")
	NoAuth         resp.Reply = Error("NOAUTH Authentication required.")
	DBOutOfRange   resp.Reply = Error("ERR DB index is out of range")
	ExecAbort      resp.Reply = Error("EXECABORT Transaction discarded because of previous errors.")
	OOM            resp.Reply = Error("OOM command not allowed when used memory > 'maxmemory'.")
	Loading        resp.Reply = Error("LOADING Redis is loading the dataset in memory")
	SameObject     resp.Reply = Error("ERR source and destination objects are the same")
	Overflow       resp.Reply = Error("ERR increment or decrement would overflow")
	InvalidPass    resp.Reply = Error("WRONGPASS invalid username-password pair or user is disabled.")
	MaxClients     resp.Reply = Error("ERR max number of clients reached")
	NotAllowedNeg  resp.Reply = Error("ERR value is out of range, must be positive")
	StringTooLarge resp.Reply = Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
)

// ArityErr is Redis's wrong-number-of-arguments error for a command's full
// name (e.g. "get", "config|get").
func ArityErr(fullname string) resp.Reply {
	return Error("ERR wrong number of arguments for '" + fullname + "' command")
}
