// Package console is a terminal transport for the local demo: no network and
// no token. You type as any demo person, and see what every person receives.
// It reads input line by line, so a demo can be scripted with a pipe.
package console

import (
	"bufio"
	"chibo/flows/core"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/flows/chat"
	"chibo/locales"
	"chibo/storage"
)

// Transport is the transport name of console contacts.
const Transport = "console"

// Caps is what the console carries: it stands in for Telegram in the demo,
// so its lists are paged and its texts limited as on Telegram, but its
// buttons are numbered options to type back, and its files are written to
// FilesDir.
var Caps = func() chat.Caps {
	c := telegram.Caps
	c.Buttons = false
	return c
}()

// Console runs a terminal chat against the dispatcher.
type Console struct {
	DB         *storage.DB
	Dispatcher *bot.Dispatcher
	Sender     *bot.Sender // sends through this Console
	Catalog    *locales.Catalog
	Lang       string // language of the console's own lines
	In         io.Reader
	Out        io.Writer
	Scheduler  *bot.Scheduler // ticked after the clock moves
	Clock      *Clock
	Zone       *time.Location
	Echo       bool // print each input line (when input is not a terminal)
	// FilesDir is where documents sent to demo people are written, so the
	// demo can open them (a folder next to the demo database). Empty means
	// documents are only named.
	FilesDir string

	mu       sync.Mutex
	user     string            // console user id of the person typed as
	lastLink string            // the last invite link printed, for /tap
	guests   map[string]string // user id → display name of people not registered yet
	counter  int
}

// Send implements bot.Transport by printing the message under the name of
// its recipient, with buttons as numbered options.
func (c *Console) Send(_ context.Context, m chat.Message) error {
	var b strings.Builder
	fmt.Fprintf(&b, "── %s ──\n%s\n", c.T("console.to", "Name", c.nameOf(m.Chat)), m.Text)
	values := core.ValueChoices(m.Choices())
	for i, btn := range m.Choices() {
		if values { // a typed number is the value shown, not a position
			fmt.Fprintf(&b, "  [%s]\n", btn.Label)
			continue
		}
		fmt.Fprintf(&b, "  [%d] %s\n", i+1, btn.Label)
	}
	if m.RequestLocation != "" {
		fmt.Fprintf(&b, "  %s\n", c.T("console.location_button", "Label", m.RequestLocation))
	}
	if m.Document != nil {
		fmt.Fprintf(&b, "  %s\n", c.T("console.document", "Name", m.Document.Name, "Size", len(m.Document.Data)))
		if path, err := c.saveDocument(m.Document); err != nil {
			fmt.Fprintf(&b, "  %s\n", c.T("console_export.not_saved", "Err", err))
		} else if path != "" {
			fmt.Fprintf(&b, "  %s\n", c.T("console_export.saved", "Path", path))
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if link := inviteLink.FindString(m.Text); link != "" {
		c.lastLink = link
	}
	_, err := io.WriteString(c.Out, b.String())
	return err
}

// saveDocument writes a document into FilesDir and returns its path. The
// name is the bot's own (a slug), but only its base is used.
func (c *Console) saveDocument(d *chat.Document) (string, error) {
	if c.FilesDir == "" {
		return "", nil
	}
	if err := os.MkdirAll(c.FilesDir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(c.FilesDir, filepath.Base(d.Name))
	return path, os.WriteFile(path, d.Data, 0o600)
}

// inviteLink finds a deep link in a message, for /tap.
var inviteLink = regexp.MustCompile(`https://t\.me/\S+\?start=\S+`)

// T renders one of the console's own lines.
func (c *Console) T(id string, kv ...any) string { return c.Catalog.T(c.Lang, id, kv...) }

func (c *Console) nameOf(user string) string {
	var name string
	_ = c.DB.View(func(tx *storage.Tx) error {
		if m, err := tx.MemberByContact(Transport, user); err == nil {
			name = m.Name
		}
		return nil
	})
	if name != "" {
		return name
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.guests[user]; ok {
		return g
	}
	return user
}

func (c *Console) println(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintln(c.Out, s)
}

// Run reads lines until EOF, /quit or ctx ends. Each line is handled and its
// replies sent before the next line is read, so a transcript reads in order.
func (c *Console) Run(ctx context.Context) error {
	c.guests = map[string]string{}
	if err := c.pickDefault(); err != nil {
		return err
	}
	c.println(c.T("console.welcome"))
	c.println(c.T("console.as", "Name", c.nameOf(c.user)))
	if _, err := c.Scheduler.Tick(); err != nil { // catch up what fell due while the demo was off
		return err
	}
	if err := c.Sender.Drain(ctx); err != nil { // and anything left from an earlier run
		return err
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(c.In)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()
	for {
		if !c.Echo { // a person at a terminal: show whose turn it is
			name := c.nameOf(c.user)
			c.mu.Lock()
			fmt.Fprintf(c.Out, "[%s] > ", name)
			c.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return err
		case line := <-lines:
			if c.Echo {
				c.println(fmt.Sprintf("[%s] > %s", c.nameOf(c.user), line))
			}
			quit, err := c.handle(ctx, line)
			if err != nil || quit {
				return err
			}
		}
	}
}

func (c *Console) handle(ctx context.Context, line string) (quit bool, err error) {
	cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch cmd {
	case "/quit", "/exit":
		return true, nil
	case "/as":
		c.switchTo(strings.TrimSpace(arg))
		return false, nil
	case "/who":
		c.who()
		return false, nil
	case "/clock":
		return false, c.moveClock(ctx, arg)
	case "/tap": // as if the person tapped the last invite link they were sent
		c.mu.Lock()
		line = c.lastLink
		c.mu.Unlock()
		if line == "" {
			c.println(c.T("console.no_link"))
			return false, nil
		}
	}
	c.counter++
	kind, loc := chat.EventText, (*chat.Location)(nil)
	if cmd == "/location" { // the console's "share my location" button
		var lat, lon float64
		if n, _ := fmt.Sscanf(arg, "%g %g", &lat, &lon); n != 2 || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			c.println(c.T("console.location_usage"))
			return false, nil
		}
		kind, loc, line = chat.EventLocation, &chat.Location{Lat: lat, Lon: lon}, ""
	}
	ev := chat.Event{
		Key:       fmt.Sprintf("console:%d:%d", c.Clock.Now().UnixNano(), c.counter),
		Transport: Transport,
		Kind:      kind,
		Location:  loc,
		Chat:      c.user,
		ChatKind:  chat.ChatPrivate,
		User:      c.user,
		UserName:  c.nameOf(c.user),
		Text:      telegram.StartText(line), // the console's people are sent Telegram's links
		Time:      c.Clock.Now(),
	}
	if err := c.Dispatcher.Dispatch(ctx, []chat.Event{ev}); err != nil {
		return false, err
	}
	if _, err := c.Scheduler.Tick(); err != nil {
		return false, err
	}
	return false, c.Sender.Drain(ctx)
}

// pickDefault acts as the first demo secretary, or the first member.
func (c *Console) pickDefault() error {
	return c.DB.View(func(tx *storage.Tx) error {
		ms, err := tx.AllMembers()
		if err != nil {
			return err
		}
		for _, m := range ms {
			if u, ok := m.Contacts[Transport]; ok && (c.user == "" || len(m.LedCells()) > 0) {
				c.user = u
				if len(m.LedCells()) > 0 {
					break
				}
			}
		}
		if c.user == "" {
			c.user = "guest"
			c.guests[c.user] = c.T("console.guest")
		}
		return nil
	})
}

// switchTo acts as the demo person whose name contains query (diacritics
// ignored), or as a new unregistered person with that name.
func (c *Console) switchTo(query string) {
	if query == "" {
		c.println(c.T("console.as_usage"))
		return
	}
	// The best kind of match wins: the full name, then a whole word of it
	// ("/as An" is Nguyễn Văn An, not every Văn), then any part.
	var found []storage.Member
	q := core.FoldForSearch(query)
	_ = c.DB.View(func(tx *storage.Tx) error {
		ms, err := tx.AllMembers()
		best := 0
		for _, m := range ms {
			if _, ok := m.Contacts[Transport]; !ok {
				continue
			}
			name := core.FoldForSearch(m.Name)
			rank := 0
			switch {
			case name == q:
				rank = 3
			case slices.Contains(strings.Fields(name), q):
				rank = 2
			case strings.Contains(name, q):
				rank = 1
			}
			if rank > best {
				best, found = rank, nil
			}
			if rank == best && rank > 0 {
				found = append(found, m)
			}
		}
		return err
	})
	switch len(found) {
	case 1:
		c.user = found[0].Contacts[Transport]
	case 0:
		// A new person's id comes from their name, so after a restart the
		// same name finds the same conversation.
		name, err := core.CleanName(query)
		if err != nil {
			name = query
		}
		c.mu.Lock()
		c.user = "guest-" + strings.ReplaceAll(core.FoldForSearch(name), " ", "-")
		c.guests[c.user] = name
		c.mu.Unlock()
		c.println(c.T("console.as_new", "Name", c.nameOf(c.user)))
		return
	default:
		var names []string
		for _, m := range found {
			names = append(names, m.Name)
		}
		c.println(c.T("console.as_many", "Names", strings.Join(names, ", ")))
		return
	}
	c.println(c.T("console.as", "Name", c.nameOf(c.user)))
}

func (c *Console) who() {
	var lines []string
	_ = c.DB.View(func(tx *storage.Tx) error {
		ms, err := tx.AllMembers()
		for _, m := range ms {
			if _, ok := m.Contacts[Transport]; ok {
				lines = append(lines, "  "+m.Name)
			}
		}
		return err
	})
	c.println(c.T("console.who") + "\n" + strings.Join(lines, "\n"))
}

// moveClock shows the demo time, or moves it forward and fires what became due.
func (c *Console) moveClock(ctx context.Context, arg string) error {
	now := c.Clock.Now()
	if strings.TrimSpace(arg) != "" {
		t, ok := parseClock(arg, now, c.Zone)
		if !ok || !t.After(now) {
			c.println(c.T("console.clock_usage"))
			return nil
		}
		if err := c.Clock.moveTo(c.DB, t); err != nil {
			return err
		}
		if _, err := c.Scheduler.Tick(); err != nil {
			return err
		}
	}
	c.println(c.T("console.clock", "Time", c.Clock.Now().In(c.Zone).Format("15:04 02/01/2006")))
	return c.Sender.Drain(ctx)
}
