package meetings

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/storage"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/skip2/go-qrcode"
)

// CheckinPayloadPrefix starts the /start payload of an in-room check-in
// link: "m_<code>" (Telegram allows 64 characters).
const CheckinPayloadPrefix = "m_"

func newCheckinCode() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	for i := range b {
		b[i] = core.CodeAlphabet[int(b[i])%len(core.CodeAlphabet)]
	}
	return string(b[:])
}

// startMeeting marks the meeting open and its start time, once.
func startMeeting(c *core.Ctx, mt *storage.Meeting) {
	if mt.State == storage.MeetingPlanned {
		mt.State = storage.MeetingOpen
	}
	if mt.Started.IsZero() {
		mt.Started = c.Now
	}
}

// openCheckin shows the in-room check-in link and its QR code. The code works
// for this meeting only, until codeTTL after it was shown or the meeting closes.
func openCheckin(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) error {
	if c.Now.Before(mt.At.Add(-openEarly)) {
		c.Say("mt.checkin_too_early", "When", when(c, mt.At.Add(-openEarly), cell))
		return nil
	}
	if mt.Code == "" || !c.Now.Before(mt.CodeUntil) {
		for {
			mt.Code = newCheckinCode()
			if _, err := db(c).MeetingByCode(mt.Code); errors.Is(err, storage.ErrNotFound) {
				break
			} else if err != nil {
				return err
			}
		}
		mt.CodeUntil = c.Now.Add(CodeTTL)
	}
	startMeeting(c, mt)
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	link := c.E.Cfg.InviteLink(CheckinPayloadPrefix + mt.Code)
	until := mt.CodeUntil.In(c.CellZone(cell)).Format("15:04")
	if link == "" { // no Telegram bot to link to (Zalo only): the code alone
		c.Reply(c.T("zalo.checkin_open", "Code", mt.Code, "Until", until),
			[]chat.Button{core.ActionButton(c.T("mt.btn_roll"), codeMeeting, fmt.Sprintf("%d:r", mt.ID))})
		return nil
	}
	c.Reply(c.T("mt.checkin_open", "Link", link, "Code", mt.Code, "Until", until),
		[]chat.Button{core.ActionButton(c.T("mt.btn_roll"), codeMeeting, fmt.Sprintf("%d:r", mt.ID))})
	png, err := qrcode.Encode(link, qrcode.Medium, 512)
	if err != nil {
		return fmt.Errorf("check-in qr: %w", err)
	}
	c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, Text: c.T("mt.checkin_qr_caption", "Code", mt.Code), RecipientID: c.MeID(),
		Document: &chat.Document{Name: "checkin.png", MIME: "image/png", Data: png}})
	return nil
}

// runCheckinCode is /code <code>: check in by typing the code on the screen.
func runCheckinCode(c *core.Ctx, args string) error {
	if strings.TrimSpace(args) == "" {
		c.Say("mt.code_usage")
		return nil
	}
	return checkinByCode(c, args)
}

// IsCheckinPayload reports whether a /start payload is an in-room check-in
// link ("m_" and an 8-character code) rather than an invite token (22
// base64url characters, which may also begin with "m_").
func IsCheckinPayload(p string) bool {
	code, ok := strings.CutPrefix(p, CheckinPayloadPrefix)
	if !ok || len(code) != 8 {
		return false
	}
	for _, r := range code {
		if !strings.ContainsRune(core.CodeAlphabet, r) {
			return false
		}
	}
	return true
}

// StartCheckin handles a /start payload for which IsCheckinPayload is true
// (a scanned or tapped check-in link).
func StartCheckin(c *core.Ctx, payload string) error {
	return checkinByCode(c, strings.TrimPrefix(payload, CheckinPayloadPrefix))
}

// checkinByCode marks the caller present at the meeting of the code. A code
// that is unknown, expired, or of another cell records nothing.
func checkinByCode(c *core.Ctx, code string) error {
	if c.Me == nil {
		c.Say("mt.code_not_member")
		return nil
	}
	code = strings.ToUpper(strings.Join(strings.Fields(code), ""))
	mt, err := db(c).MeetingByCode(code)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("mt.code_unknown")
		return nil
	}
	if err != nil {
		return err
	}
	if !mt.Active() || !c.Now.Before(mt.CodeUntil) {
		c.Say("mt.code_expired")
		return nil
	}
	// A member linked to this cell as their residence (Regulation 213) is
	// recorded in their own residence attendance.
	if ok, err := ResidenceCheckin(c, mt); ok || err != nil {
		return err
	}
	if c.Me.HomeCellID != mt.CellID {
		// A committee member following the cell attends as a guest.
		if ok, err := guestCheckin(c, mt); ok || err != nil {
			return err
		}
	}
	if c.Me.HomeCellID != mt.CellID || standing(c.Me, mt) == storage.OutcomeNotExpected {
		c.Say("mt.code_other_cell")
		return nil
	}
	cell, err := db(c).Cell(mt.CellID)
	if err != nil {
		return err
	}
	a := mt.Att(c.Me.ID)
	if a.Mark == storage.MarkPresent {
		c.Say("mt.code_already", "When", when(c, mt.At, cell))
		return nil
	}
	a.Mark, a.MarkedBy, a.MarkedAt, a.MarkVia = storage.MarkPresent, c.Me.ID, c.Now, "code"
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	if standing(c.Me, mt) == storage.OutcomeExempt {
		c.Say("close.code_done_exempt", "Kind", kindNameLower(c, mt), "When", when(c, mt.At, cell))
		return nil
	}
	c.Say("mt.code_done", "Kind", kindNameLower(c, mt), "When", when(c, mt.At, cell))
	return nil
}
