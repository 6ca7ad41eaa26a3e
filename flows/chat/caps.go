package chat

// Caps is what a messenger can carry, declared by its transport. The engine
// lays out buttons, turns long lists into pages and refuses typed text by
// the Caps of the transport an event came from or a message goes to, so
// that no messenger's limits are written into the rules.
//
// A zero limit means "no limit"; a transport declares every limit it has.
type Caps struct {
	// MaxText is the longest text of one message, in characters. The
	// engine refuses longer typed text; the transport splits longer
	// outgoing text itself.
	MaxText int
	// Buttons says the messenger shows tappable buttons. Without them a
	// transport shows a message's buttons as numbered options and the
	// engine reads the number or the label typed back; the limits below
	// still keep such a list short enough to read.
	Buttons bool
	// MaxButtons is the most buttons in one message, the buttons that turn
	// a page included. A longer list is shown a page at a time.
	MaxButtons int
	// MaxPerRow is the most buttons in one row.
	MaxPerRow int
	// ButtonData is the longest payload of a button, in bytes.
	ButtonData int
	// Documents says a file can be sent in the chat; without, the
	// transport sends a link or a note instead.
	Documents bool
	// Pictures says a picture can be sent in the chat.
	Pictures bool
	// DeepLink makes the link that opens a chat with the bot and hands it
	// payload (a person who follows it sends "/start <payload>"). Nil: the
	// messenger has no such links.
	DeepLink func(payload string) string
}

// Strictest is what every one of caps can carry: the least of each limit
// (a zero limit is none) and a feature only when all have it. It is what
// an engine assumes of a transport that declared nothing.
func Strictest(caps ...Caps) Caps {
	if len(caps) == 0 {
		return Caps{}
	}
	out := caps[0]
	out.DeepLink = nil
	for _, c := range caps[1:] {
		out.MaxText = least(out.MaxText, c.MaxText)
		out.MaxButtons = least(out.MaxButtons, c.MaxButtons)
		out.MaxPerRow = least(out.MaxPerRow, c.MaxPerRow)
		out.ButtonData = least(out.ButtonData, c.ButtonData)
		out.Buttons = out.Buttons && c.Buttons
		out.Documents = out.Documents && c.Documents
		out.Pictures = out.Pictures && c.Pictures
	}
	return out
}

// least is the smaller of two limits, where zero is no limit.
func least(a, b int) int {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}
