// Package chat is the vocabulary of a conversation, shared by the engine,
// the journeys and every messenger: what happened in a chat (Event), what
// to send to one (Message, Button, Document, Drawing), and what a messenger
// can carry (Caps).
//
// It owns no behaviour and imports nothing of chibo's, so that any package
// may use it; a messenger's limits live in its Caps, declared by its
// transport, never here as constants.
package chat

import "time"

// ChatKind tells a private chat from a group.
type ChatKind string

// Chat kinds.
const (
	ChatPrivate ChatKind = "private"
	ChatGroup   ChatKind = "group"
)

// EventKind says what a person (or the messenger) did.
type EventKind string

// Event kinds.
const (
	EventText       EventKind = "text"        // a typed message, command or not
	EventButton     EventKind = "button"      // a tap on a button; Data is its payload
	EventLocation   EventKind = "location"    // a shared location
	EventContact    EventKind = "contact"     // a shared phone number
	EventBotAdded   EventKind = "bot_added"   // the bot was added to a group
	EventBotRemoved EventKind = "bot_removed" // the bot was removed from a group or blocked
	EventOther      EventKind = "other"       // a photo, sticker, voice…: nothing chibo can read
)

// Location is a point shared by a person.
type Location struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Event is one thing that happened in a chat, whatever the transport. Chat
// and user ids are strings scoped by Transport.
type Event struct {
	Key       string    // unique per delivery source (the messenger's update id), for dedupe
	Transport string    // the transport's name: "telegram", "zalo", "console"
	Kind      EventKind //
	Chat      string    // where to answer
	ChatKind  ChatKind  //
	User      string    // who acted
	UserName  string    // the name the messenger shows for the user
	LangHint  string    // the messenger's language for the user, if known
	Text      string    // EventText
	Data      string    // EventButton: the button's payload
	MessageID string    // EventButton: the message that carried the button
	Location  *Location // EventLocation
	Phone     string    // EventContact
	SharedBy  string    // EventContact: whose contact card it is (a user id), if known
	Time      time.Time // when the messenger saw it
}

// Button is one choice in a message. Data is opaque and at most the
// ButtonData bytes of the Caps of the transport it goes to.
type Button struct {
	Label string `json:"label"`
	Data  string `json:"data"`
}

// Document is a file to send: its bytes, or what to draw at delivery.
type Document struct {
	Name string `json:"name"`
	MIME string `json:"mime,omitempty"`
	Data []byte `json:"data,omitempty"`
	// Draw, when set, says what to draw into Data just before delivery
	// (the engine's Draw), so that slow drawing stays out of the transaction that
	// queued the message, and the outbox holds a few numbers, not a picture.
	Draw *Drawing `json:"draw,omitempty"`
}

// Drawing is a picture drawn from the records when it is delivered.
type Drawing struct {
	Kind   string `json:"kind"` // DrawYearChart
	CellID uint64 `json:"cell"`
	Year   int    `json:"year"`
	Lang   string `json:"lang"`
	// OrgID and Month say which commune's overview a commune chart draws
	// (DrawCommuneChart); Month is yyyy-mm.
	OrgID uint64 `json:"org,omitempty"`
	Month string `json:"month,omitempty"`
}

// DrawYearChart is the cell's attendance chart of a year.
const DrawYearChart = "year_chart"

// DrawCommuneChart is a commune's cells side by side for a month.
const DrawCommuneChart = "commune_chart"

// Message is one thing to send to a chat. Text is plain text (no markup), so
// names with any characters are safe on every transport. A transport without
// buttons shows Buttons as numbered options; the engine accepts the number or
// the label typed back.
type Message struct {
	Transport       string     `json:"transport"`
	Chat            string     `json:"chat"`
	Group           bool       `json:"group,omitempty"` // the chat is a group (stricter rate limits)
	Text            string     `json:"text"`
	Buttons         [][]Button `json:"buttons,omitempty"`
	RequestLocation string     `json:"request_location,omitempty"` // label of a "share location" reply button
	Document        *Document  `json:"document,omitempty"`
	EditMessageID   string     `json:"edit_message_id,omitempty"` // edit this earlier message instead of sending
	RecipientID     uint64     `json:"recipient_id,omitempty"`    // the member it goes to, when known
	// NotBefore holds the message until then (the recipient's quiet hours).
	NotBefore time.Time `json:"not_before,omitzero"`
	// PartsSent is how many parts of a message the messenger must split
	// were delivered by earlier attempts; OnPart, set by the sender, is told
	// each time one more part is delivered, so it is kept across restarts.
	PartsSent int       `json:"-"`
	OnPart    func(int) `json:"-"`
	Key       string    `json:"-"` // idempotency key for the outbox; empty for replies
	// KeyUntil is when Key's reminder can no longer fall due: after it the
	// key is forgotten (zero: kept for ever).
	KeyUntil time.Time `json:"-"`
}

// Stored is m as its stored form (its JSON, the outbox row's payload)
// gives it back: without the fields kept outside that form.
func (m Message) Stored() Message {
	m.PartsSent, m.OnPart, m.Key, m.KeyUntil = 0, nil, "", time.Time{}
	return m
}

// Choices flattens the buttons in order.
func (m *Message) Choices() []Button {
	var out []Button
	for _, row := range m.Buttons {
		out = append(out, row...)
	}
	return out
}
