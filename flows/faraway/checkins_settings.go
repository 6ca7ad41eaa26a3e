package faraway

import (
	"chibo/flows/core"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"chibo/flows/chat"
	"chibo/storage"
)

// The check-in settings screen (/checkinsettings): the secretary or deputy
// sees the cell's check-in day, follow-ups, deadline, precise location and
// retention, and changes each with buttons. Every button carries the value
// it sets, so a double tap sets the same value twice and an old screen
// cannot undo a newer choice by accident of order.
//
// Payloads: "cks:<cell>" shows the screen, "cks:<cell>:<item>" the choices
// for one item, "cks:<cell>:<item>:<value>" sets it. Items: d (day),
// f (follow-ups), l (deadline), p (precise location), r (retention).

// Choices offered for each setting. Days stop at 28 so every month has
// them; deadlines stay under 4 weeks so a month closes before the next opens.
var (
	ckDayChoices       = []int{1, 5, 10, 15, 20, 25, 28}
	ckFollowUpChoices  = [][]int{{3, 7}, {2, 5}, {3, 7, 9}, {3}, {5}, {7}, {}}
	ckDeadlineChoices  = []int{5, 7, 10, 14, 20}
	ckRetentionChoices = []int{6, 12, 24, 36}
)

func runCheckinSettings(c *core.Ctx, _ string) error {
	id := c.Me.HomeCellID
	if !c.Me.Leads(id) {
		id = c.Me.LedCells()[0]
	}
	return checkinSettingsAction(c, fmt.Sprint(id))
}

// checkinSettingsAction handles the screen's buttons.
func checkinSettingsAction(c *core.Ctx, args string) error {
	parts := strings.Split(args, ":")
	cellID, err := strconv.ParseUint(parts[0], 10, 64)
	if err != nil || len(parts) > 3 {
		c.Say("err.stale_button")
		return nil
	}
	if c.Me == nil || !c.Me.Leads(cellID) {
		c.Say("err.leaders_only")
		return nil
	}
	cell, err := db(c).Cell(cellID)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	s, err := db(c).CheckinSettings(cell.ID)
	if err != nil {
		return err
	}
	switch len(parts) {
	case 1:
		c.Reply(ckSettingsText(c, cell, s), ckSettingsButtons(c, cell.ID, s)...)
		editInPlace(c)
		return nil
	case 2:
		text, rows, ok := ckSettingChoices(c, cell.ID, parts[1], s)
		if !ok {
			c.Say("err.stale_button")
			return nil
		}
		c.Reply(text, rows...)
		editInPlace(c)
		return nil
	}
	if parts[1] == "p" && parts[2] == "1" && !s.PreciseLocation {
		// Keeping members' exact location needs a confirmation (issue 12):
		// the button of the screen asks first, the confirmation sets it.
		c.Reply(c.T("ckset.precise_confirm"), []chat.Button{core.ActionButton(c.T("ckset.btn_precise_yes"), codeCheckinSettings, fmt.Sprint(cell.ID)+":p:y")},
			[]chat.Button{core.ActionButton(c.T("ckset.btn_back"), codeCheckinSettings, fmt.Sprint(cell.ID))})
		editInPlace(c)
		return nil
	}
	next, ok := ckApplySetting(s, parts[1], parts[2])
	if !ok {
		c.Say("err.stale_button")
		return nil
	}
	if err := db(c).PutCheckinSettings(cell.ID, next); err != nil {
		return err
	}
	if err := auditCheckinSettings(c, cell, s, next); err != nil {
		return err
	}
	c.Reply(c.T("ckset.saved")+"\n\n"+ckSettingsText(c, cell, next), ckSettingsButtons(c, cell.ID, next)...)
	editInPlace(c)
	return nil
}

// auditCheckinSettings audits a change of the check-in settings; turning
// exact location on or off is its own entry, so the log says it in words.
func auditCheckinSettings(c *core.Ctx, cell *storage.Cell, before, after storage.CheckinSettings) error {
	if before.PreciseLocation != after.PreciseLocation {
		return c.Audit("location_exact", cell.ID, 0, before.PreciseLocation, after.PreciseLocation)
	}
	return c.Audit("settings_change", cell.ID, 0, map[string]any{"checkins": before}, map[string]any{"checkins": after})
}

// editInPlace makes the last reply replace the message whose button was
// tapped, so the screen does not pile up in the chat.
func editInPlace(c *core.Ctx) {
	if c.Ev.Kind == chat.EventButton && c.Ev.MessageID != "" && len(c.Out) > 0 {
		c.Out[len(c.Out)-1].EditMessageID = c.Ev.MessageID
	}
}

// ckApplySetting returns s with item set to value, or false when the value
// is not one the screen offers (an old or forged button) or does not fit the
// other settings (a follow-up on or after the deadline).
func ckApplySetting(s storage.CheckinSettings, item, value string) (storage.CheckinSettings, bool) {
	n, err := strconv.Atoi(value)
	switch item {
	case "d":
		if err != nil || !slices.Contains(ckDayChoices, n) {
			return s, false
		}
		s.Day = n
	case "f":
		days, ok := parseFollowUps(value)
		if !ok || (len(days) > 0 && days[len(days)-1] >= s.DeadlineDays) {
			return s, false
		}
		s.FollowUps = days
	case "l":
		if err != nil || !slices.Contains(ckDeadlineChoices, n) || (len(s.FollowUps) > 0 && s.FollowUps[len(s.FollowUps)-1] >= n) {
			return s, false
		}
		s.DeadlineDays = n
	case "p":
		// "y" is the confirmed "on"; "0" is "off", which needs none.
		if value != "0" && value != "y" {
			return s, false
		}
		s.PreciseLocation = value == "y"
	case "r":
		if err != nil || !slices.Contains(ckRetentionChoices, n) {
			return s, false
		}
		s.RetentionMonths = n
	default:
		return s, false
	}
	return s, true
}

// followUpsValue is the payload of a follow-up choice: "3-7", or "none".
func followUpsValue(days []int) string {
	if len(days) == 0 {
		return "none"
	}
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "-")
}

func parseFollowUps(v string) ([]int, bool) {
	for _, choice := range ckFollowUpChoices {
		if followUpsValue(choice) == v {
			return append([]int{}, choice...), true
		}
	}
	return nil, false
}

// followUpsText says when the follow-ups go: "sau 3 và 7 ngày".
func followUpsText(c *core.Ctx, days []int) string {
	if len(days) == 0 {
		return c.T("ckset.followups_none")
	}
	list := strconv.Itoa(days[len(days)-1])
	if n := len(days); n > 1 {
		head := make([]string, n-1)
		for i, d := range days[:n-1] {
			head[i] = strconv.Itoa(d)
		}
		list = c.T("ckset.list_and", "Head", strings.Join(head, ", "), "Last", list)
	}
	return c.T("ckset.followups_days", "Days", list)
}

func preciseText(c *core.Ctx, on bool) string {
	if on {
		return c.T("ckset.precise_on")
	}
	return c.T("ckset.precise_off")
}

func ckSettingsText(c *core.Ctx, cell *storage.Cell, s storage.CheckinSettings) string {
	return c.T("ckset.screen", "Cell", cell.Name, "Day", s.Day, "FollowUps", followUpsText(c, s.FollowUps),
		"Deadline", s.DeadlineDays, "Precise", preciseText(c, s.PreciseLocation), "Retention", s.RetentionMonths)
}

func ckSettingsButtons(c *core.Ctx, cellID uint64, s storage.CheckinSettings) [][]chat.Button {
	id := fmt.Sprint(cellID)
	toggle := "1"
	if s.PreciseLocation {
		toggle = "0"
	}
	return [][]chat.Button{
		{core.ActionButton(c.T("ckset.btn_day"), codeCheckinSettings, id+":d"), core.ActionButton(c.T("ckset.btn_followups"), codeCheckinSettings, id+":f")},
		{core.ActionButton(c.T("ckset.btn_deadline"), codeCheckinSettings, id+":l"), core.ActionButton(c.T("ckset.btn_retention"), codeCheckinSettings, id+":r")},
		{core.ActionButton(c.T("ckset.btn_precise", "Value", preciseText(c, !s.PreciseLocation)), codeCheckinSettings, id+":p:"+toggle)},
	}
}

// ckSettingChoices is the question and buttons for one item.
func ckSettingChoices(c *core.Ctx, cellID uint64, item string, s storage.CheckinSettings) (string, [][]chat.Button, bool) {
	id := fmt.Sprint(cellID)
	var rows [][]chat.Button
	add := func(perRow int, b chat.Button) {
		if len(rows) == 0 || len(rows[len(rows)-1]) >= perRow {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], b)
	}
	var text string
	switch item {
	case "d":
		text = c.T("ckset.ask_day", "Current", s.Day)
		for _, d := range ckDayChoices {
			add(4, core.ActionButton(strconv.Itoa(d), codeCheckinSettings, fmt.Sprintf("%s:d:%d", id, d)))
		}
	case "f":
		text = c.T("ckset.ask_followups", "Current", followUpsText(c, s.FollowUps), "Deadline", s.DeadlineDays)
		for _, f := range ckFollowUpChoices {
			if len(f) == 0 || f[len(f)-1] < s.DeadlineDays {
				add(2, core.ActionButton(followUpsText(c, f), codeCheckinSettings, id+":f:"+followUpsValue(f)))
			}
		}
	case "l":
		text = c.T("ckset.ask_deadline", "Current", s.DeadlineDays)
		for _, d := range ckDeadlineChoices {
			if len(s.FollowUps) == 0 || s.FollowUps[len(s.FollowUps)-1] < d {
				add(3, core.ActionButton(strconv.Itoa(d), codeCheckinSettings, fmt.Sprintf("%s:l:%d", id, d)))
			}
		}
	case "r":
		text = c.T("ckset.ask_retention", "Current", s.RetentionMonths)
		for _, m := range ckRetentionChoices {
			add(2, core.ActionButton(strconv.Itoa(m), codeCheckinSettings, fmt.Sprintf("%s:r:%d", id, m)))
		}
	default:
		return "", nil, false
	}
	rows = append(rows, []chat.Button{core.ActionButton(c.T("ckset.btn_back"), codeCheckinSettings, id)})
	return text, rows, true
}
