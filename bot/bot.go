// Package bot is chibo's runtime, shared by every messenger: the Transport
// interface, the dispatcher that turns events into committed effects and
// outbox rows, and the outbox sender. The events and messages themselves
// are the vocabulary of package chat (chibo/flows/chat), which transports
// import directly.
package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Handler runs one event inside a transaction. flows.Engine is the Handler.
type Handler interface {
	// Handle applies the event's effects through tx and returns the replies.
	// An error means a fault (not a person's mistake); the transaction is
	// rolled back.
	Handle(tx *storage.Tx, ev chat.Event) ([]chat.Message, error)
	// InternalError is what to tell the person when Handle failed.
	InternalError(ev chat.Event) []chat.Message
}

// Transport delivers messages to one messenger.
//
// Send is called from several goroutines at once, but never for two
// messages of the same chat at once. It returns nil when the messenger
// accepted the message, or an error; a *SendError says what to do next,
// any other error is retried.
type Transport interface {
	Send(ctx context.Context, m chat.Message) error
}

// SendOutcome classifies a failed send.
type SendOutcome int

// Send outcomes.
const (
	SendRetry     SendOutcome = iota // a passing fault (5xx, timeout, 429): try again later
	SendBlocked                      // the person blocked the bot or left: never retry
	SendPermanent                    // the messenger refused the message itself: never retry
)

// SendError is a failed send with what to do about it.
type SendError struct {
	Outcome SendOutcome
	// RetryAfter is how long the messenger asked to wait (429), 0 if it did not say.
	RetryAfter time.Duration
	// Global means the wait applies to every chat, not only this one.
	Global bool
	// Unsent means the message never reached the messenger (its transport
	// was not connected yet): the attempt is not counted against
	// MaxAttempts. Unsent errors are retried after RetryAfter.
	Unsent bool
	// Method is the messenger's request that failed (sendMessage …), for the log.
	Method string
	// Reason is a short description without secrets, kept with the outbox row.
	Reason string
	Err    error
}

func (e *SendError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("send: %s: %v", e.Reason, e.Err)
	}
	return "send: " + e.Reason
}

func (e *SendError) Unwrap() error { return e.Err }

func classify(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	return &SendError{Outcome: SendRetry, Reason: "transport error", Err: err}
}

// CheckEndpoint checks a messenger's bot token and API base URL before any
// request: the token goes into the URL path ("/bot<token>/<method>"), so it
// must be set and hold nothing a path would read differently.
func CheckEndpoint(token, apiBase string) error {
	if token == "" {
		return errors.New("no bot token")
	}
	if strings.ContainsAny(token, "/ \t\r\n%?#") {
		return errors.New("the bot token has characters a token cannot have")
	}
	base, err := url.Parse(apiBase)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("API base %q is not an http(s) URL", apiBase)
	}
	return nil
}

// ScrubToken removes a bot token from s, as it is and URL-escaped: the
// token is in every request's path, so a transport error's text holds it.
func ScrubToken(s, token string) string {
	if token == "" {
		return s
	}
	for _, v := range []string{token, url.PathEscape(token), url.QueryEscape(token)} {
		s = strings.ReplaceAll(s, v, "<token>")
	}
	return s
}

// ScrubError is err with token removed from its text. It unwraps only to
// cause (nil, or an error that holds no URL, such as a context error).
func ScrubError(err error, token string, cause error) error {
	return &scrubbedError{msg: ScrubToken(err.Error(), token), cause: cause}
}

type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

// PollStale reports whether long polling looks dead: no getUpdates answered
// (lastPoll) within two poll timeouts and a minute, counting from when
// polling began (pollSince) while the first long poll still waits. Both
// are unix nanoseconds, 0 when not yet.
func PollStale(lastPoll, pollSince int64, pollTimeout time.Duration) bool {
	since := lastPoll
	if since == 0 {
		since = pollSince
	}
	return since == 0 || time.Since(time.Unix(0, since)) > 2*pollTimeout+time.Minute
}
