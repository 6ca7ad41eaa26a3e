package flows

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chibo/flows/commune"
	"chibo/flows/core"
	"chibo/storage"
)

// seedRatingYear is the overview test's commune: three months of meetings
// of the seeded cell with Cường absent each time (75 %, flagged under
// art. 8), Thu on the standing committee, Tâm following the seeded cell.
func seedRatingYear(t *testing.T) (*harness, *storage.Cell) {
	h := newHarness(t)
	h.now = h.ts(2025, 12, 1, 9, 0)
	h.seedCell("Trần Văn An", "Lê Thị Bình", "Phạm Văn Cường")
	two := h.seedCommune()
	h.giveRoles()
	for _, mo := range []time.Month{1, 2, 3} {
		h.heldMeeting(h.ts(2026, mo, 5, 19, 30), storage.MeetingRegular, map[string]string{"phamvancuong": "u"})
	}
	h.now = h.ts(2026, 3, 20, 9, 0)
	return h, two
}

// The evidence of the year's rating is the overview's figures of each
// cell, not a second count: the same numbers for every cell.
func TestRating_evidenceIsTheOverviewsFigures(t *testing.T) {
	h, _ := seedRatingYear(t)
	err := h.db.View(func(tx *storage.Tx) error {
		c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
		org, err := tx.Org(h.cell.OrgID)
		if err != nil {
			return err
		}
		o, err := commune.OrgOverview(c, org, core.Period{Y: 2026, M: 3})
		if err != nil {
			return err
		}
		y, err := commune.OrgEvidence(c, org, 2026)
		if err != nil {
			return err
		}
		if len(y.Cells) != len(o.Rows) || len(y.Cells) != 2 {
			t.Fatalf("%d cells in the evidence, %d in the overview", len(y.Cells), len(o.Rows))
		}
		for i, ce := range y.Cells {
			f := o.Rows[i].F
			want := map[string]float64{"meetings_held": float64(f.YearHeld), "art8_flagged": float64(len(f.Flagged)), "comments_owed": float64(f.CommentsOwed)}
			if f.YearExpected > 0 {
				want["attendance_pct"] = float64(f.YearPresent) * 100 / float64(f.YearExpected)
			}
			for _, cr := range ce.Criteria {
				for _, fe := range cr.Figures {
					if w, ok := want[fe.Rule.Figure]; ok && (!fe.Known || fe.Value != w) {
						t.Errorf("%s %s: evidence %v (known %v), overview %v", ce.Row.Cell.Name, fe.Rule.Figure, fe.Value, fe.Known, w)
					}
				}
			}
		}
		// The seeded cell: 3 months held, 75 %, one member flagged.
		one := y.Cells[0]
		if one.Row.F.YearHeld != 3 || len(one.Row.F.Flagged) != 1 {
			t.Fatalf("the seeded cell's year: held %d, flagged %v", one.Row.F.YearHeld, one.Row.F.Flagged)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// On the screen: the rate the overview shows, and below its threshold.
	h.say("bithu", "/tongquan")
	out := h.tap("bithu", h.vi("rating.btn_year", "Year", 2026))
	h.wantContains(out, h.vi("rating.header", "Org", "Đảng bộ xã Thử", "Year", 2026, "Month", "03/2026"))
	out = h.tap("bithu", h.vi("commune.btn_cell", "N", 1, "Cell", "Chi bộ Thử"))
	h.wantContains(out, h.vi("rating.figure_line", "Label", h.vi("rating.fig_attendance_pct"), "Value", "75,0%", "Rule", "≥ 85,0%", "Mark", h.vi("rating.mark_below")))
	h.wantContains(out, h.vi("rating.figure_line", "Label", h.vi("rating.fig_art8_flagged"), "Value", "1", "Rule", "= 0", "Mark", h.vi("rating.mark_below")))
	h.wantContains(out, h.vi("rating.overall", "Text", h.vi("rating.not_decided")))
}

// The standing committee records the rating: audited, with who and when,
// the secretary told and shown it with /xeploai; a second decision is an
// amendment that keeps the first; the same decision again changes nothing.
func TestRating_recordAmendAndTell(t *testing.T) {
	h, _ := seedRatingYear(t)
	h.say("bithu", "/tongquan")
	h.tap("bithu", h.vi("rating.btn_year", "Year", 2026))
	h.tap("bithu", h.vi("commune.btn_cell", "N", 1, "Cell", "Chi bộ Thử"))
	out := h.tap("bithu", h.vi("rating.level_good"))
	h.wantContains(out, h.vi("rating.recorded", "Cell", "Chi bộ Thử", "Value", h.vi("rating.level_good")))
	h.wantText(to(out, "sec"), "vi", "rating.told", "Cell", "Chi bộ Thử", "Year", 2026, "Value", h.vi("rating.level_good"), "Name", "Hoàng Thị Thu", "Date", "20/03/2026")
	if len(to(out, "sec2")) != 0 {
		t.Fatalf("another cell's secretary was told:\n%s", texts(out))
	}
	if n := h.auditCount("rating_recorded"); n != 1 {
		t.Fatalf("the rating audited %d times", n)
	}
	decided := h.vi("rating.decided", "Value", h.vi("rating.level_good"), "Name", "Hoàng Thị Thu", "Date", "20/03/2026")
	h.wantContains(h.say("sec", "/xeploai"), decided)

	// A criterion, then the overall amended the next day.
	h.tap("bithu", "✓ "+h.vi("rating.crit_meetings"))
	h.now = h.ts(2026, 3, 21, 9, 0)
	out = h.tap("bithu", h.vi("rating.level_excellent"))
	h.wantText(to(out, "sec"), "vi", "rating.told_amended", "Cell", "Chi bộ Thử", "Year", 2026, "Value", h.vi("rating.level_excellent"), "Name", "Hoàng Thị Thu", "Date", "21/03/2026")
	if n := h.auditCount("rating_amended"); n != 1 {
		t.Fatalf("the amendment audited %d times", n)
	}
	if n := h.auditCount("rating_recorded"); n != 2 { // the overall, the criterion
		t.Fatalf("recorded %d times, want 2", n)
	}
	var r *storage.CellRating
	if err := h.db.View(func(tx *storage.Tx) (err error) { r, err = tx.CellRatingOf(h.cell.OrgID, 2026, h.cell.ID); return err }); err != nil {
		t.Fatal(err)
	}
	cur, first := r.Current(storage.RatingOverall)
	if first.Level != "good" || cur.Level != "excellent" || len(r.Decisions) != 3 {
		t.Fatalf("the first decision is not kept beside the amendment: %+v", r.Decisions)
	}
	out = h.say("sec", "/xeploai 2026")
	h.wantContains(out, h.vi("rating.decided", "Value", h.vi("rating.level_excellent"), "Name", "Hoàng Thị Thu", "Date", "21/03/2026")+" "+
		h.vi("rating.amended", "Value", h.vi("rating.level_good"), "Name", "Hoàng Thị Thu", "Date", "20/03/2026"))
	h.wantContains(out, h.vi("rating.decided", "Value", h.vi("rating.crit_met"), "Name", "Hoàng Thị Thu", "Date", "20/03/2026"))

	// The audit log says what was decided and what it replaced.
	err := h.db.View(func(tx *storage.Tx) error {
		es, err := tx.AuditLog(100, func(e *storage.AuditEntry) bool { return e.Action == "rating_amended" })
		if err != nil || len(es) != 1 {
			t.Fatalf("amendments in the log: %v %d", err, len(es))
		}
		c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
		text := c.AuditText(&es[0])
		for _, want := range []string{h.vi("rating.audit_what", "Year", 2026, "Field", h.vi("rating.col_overall")), h.vi("rating.level_good"), h.vi("rating.level_excellent"), "Hoàng Thị Thu"} {
			if !strings.Contains(text, want) {
				t.Errorf("the audit line lacks %q: %s", want, text)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	before := h.snapshot()
	out = h.press("bithu", fmt.Sprintf("c.rset:%d:2026:overall:excellent", h.cell.ID))
	h.wantContains(out, h.vi("rating.unchanged"))
	if h.snapshot() != before {
		t.Fatal("the same decision again changed what is stored")
	}

	// The files: the workbook of every cell and the cell's one-page PDF.
	h.tap("bithu", h.vi("commune.btn_cell", "N", 1, "Cell", "Chi bộ Thử"))
	out = h.tap("bithu", h.vi("rating.btn_pdf"))
	if len(out) != 1 || out[0].Document == nil || !bytes.HasPrefix(out[0].Document.Data, []byte("%PDF")) {
		t.Fatalf("no PDF: %+v", out)
	}
	h.tap("bithu", h.vi("rating.btn_back", "Year", 2026))
	out = h.tap("bithu", h.vi("commune.btn_workbook"))
	if len(out) != 1 || out[0].Document == nil || !strings.HasSuffix(out[0].Document.Name, ".xlsx") || len(out[0].Document.Data) == 0 {
		t.Fatalf("no workbook: %+v", out)
	}
}

// Only the standing committee records; a follower, the office and another
// cell's secretary are refused and nothing changes; a secretary sees only
// their own cell's rating.
func TestRating_authorization(t *testing.T) {
	h, _ := seedRatingYear(t)
	h.say("bithu", "/tongquan")
	h.tap("bithu", h.vi("rating.btn_year", "Year", 2026))
	h.tap("bithu", h.vi("commune.btn_cell", "N", 1, "Cell", "Chi bộ Thử"))
	h.tap("bithu", h.vi("rating.level_done"))

	before := h.snapshot()
	set := fmt.Sprintf("c.rset:%d:2026:overall:excellent", h.cell.ID)
	for _, c := range []struct{ user, data, want string }{
		{"tam", set, "commune.not_standing"},
		{"tam", fmt.Sprintf("c.rating:%d:2026", h.cell.OrgID), "commune.not_standing"},
		{"tam", fmt.Sprintf("c.rcell:%d:2026", h.cell.ID), "commune.not_standing"},
		{"sec2", set, "commune.not_standing"},
		{"sec", fmt.Sprintf("c.rfiles:%d:2026", h.cell.OrgID), "commune.not_standing"},
		{"office", set, "rating.not_standing"},
		{"bithu", fmt.Sprintf("c.rset:%d:2027:overall:excellent", h.cell.ID), "err.stale_button"},
		{"bithu", fmt.Sprintf("c.rset:%d:2026:overall:nonsense", h.cell.ID), "err.stale_button"},
	} {
		h.wantText(h.press(c.user, c.data), "vi", c.want)
	}
	if h.snapshot() != before {
		t.Fatal("refused decisions changed what is stored")
	}
	out := h.say("sec2", "/xeploai")
	h.wantContains(out, h.vi("rating.cell_header", "Cell", "Chi bộ Hai", "Year", 2026, "Month", "03/2026"))
	if strings.Contains(texts(out), "Chi bộ Thử") {
		t.Fatalf("a secretary sees another cell's rating:\n%s", texts(out))
	}
	h.wantText(h.say("sec", "/xeploai 2030"), "vi", "rating.bad_year", "Year", 2026)
	h.wantText(h.say("tam", "/xeploai"), "vi", "err.leaders_only")
}

// A rule file is checked strictly: unknown fields, figures, operators,
// thresholds, duplicate keys and missing labels are refused with the
// reason; the default names four criteria and four levels.
func TestRating_rulesFileStrict(t *testing.T) {
	good := `{"criteria":[{"key":"meetings","label":{"vi":"Sinh hoạt tốt","en":"Good meetings"},"figures":[{"figure":"meetings_held","op":">=","value":10}]}],
	"levels":[{"key":"good","label":{"vi":"Tốt","en":"Good"}},{"key":"bad","label":{"vi":"Chưa tốt","en":"Not good"}}]}`
	if r, err := commune.ParseRatingRules([]byte(good)); err != nil || r.Criteria[0].Figures[0].Value != 10 {
		t.Fatalf("a good file: %v %+v", err, r)
	}
	for name, c := range map[string]struct{ body, id string }{
		"unknown field":  {strings.Replace(good, `"op"`, `"opx"`, 1), "settings.err_json"},
		"unknown figure": {strings.Replace(good, "meetings_held", "meetings_hold", 1), "rating.err_figure"},
		"bad operator":   {strings.Replace(good, `">="`, `">"`, 1), "rating.err_op"},
		"rate over 100":  {strings.Replace(good, `"meetings_held","op":">=","value":10`, `"attendance_pct","op":">=","value":185`, 1), "rating.err_value"},
		"one level":      {strings.Replace(good, `,{"key":"bad","label":{"vi":"Chưa tốt","en":"Not good"}}`, "", 1), "rating.err_levels"},
		"same key":       {strings.Replace(good, `"key":"bad"`, `"key":"good"`, 1), "rating.err_dup_key"},
		"no english":     {strings.Replace(good, `,"en":"Good meetings"`, "", 1), "settings.err_label"},
		"no criteria":    {`{"criteria":[],"levels":[]}`, "rating.err_criteria"},
		"trailing":       {good + "{}", "settings.err_json"},
	} {
		_, err := commune.ParseRatingRules([]byte(c.body))
		var fe *core.FormError
		if !errors.As(err, &fe) || fe.MsgID != c.id {
			t.Errorf("%s: %v, want %s", name, err, c.id)
		}
	}
	h := newHarness(t)
	d := commune.DefaultRatingRules(h.e.Cat)
	if len(d.Criteria) != 4 || len(d.Levels) != 4 || d.Criteria[1].Label["vi"] != "Sinh hoạt tốt" {
		t.Fatalf("the default rules: %+v", d)
	}
}

// Tasks done on time are counted among the tasks whose last day has
// passed in the year: one on time, one late, one not yet due → 50 %.
func TestRating_tasksOnTime(t *testing.T) {
	h, _ := seedRatingYear(t)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, h.zone) }
	err := h.db.Update(func(tx *storage.Tx) error {
		for _, tk := range []storage.Task{
			{CellID: h.cell.ID, What: "Đúng hạn", Due: day(2, 10), State: storage.TaskDone, DoneAt: day(2, 10).Add(20 * time.Hour), Created: day(1, 5)},
			{CellID: h.cell.ID, What: "Trễ hạn", Due: day(2, 15), State: storage.TaskDone, DoneAt: day(2, 20), Created: day(1, 5)},
			{CellID: h.cell.ID, What: "Chưa đến hạn", Due: day(3, 25), State: storage.TaskOpen, Created: day(3, 5)},
		} {
			if err := tx.PutTask(&tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.say("bithu", "/tongquan")
	h.tap("bithu", h.vi("rating.btn_year", "Year", 2026))
	out := h.tap("bithu", h.vi("commune.btn_cell", "N", 1, "Cell", "Chi bộ Thử"))
	h.wantContains(out, h.vi("rating.figure_line", "Label", h.vi("rating.fig_tasks_on_time_pct"), "Value", "50,0%", "Rule", "≥ 80,0%", "Mark", h.vi("rating.mark_below")))
	h.tap("bithu", h.vi("rating.btn_back", "Year", 2026))
	out = h.tap("bithu", h.vi("commune.btn_cell", "N", 2, "Cell", "Chi bộ Hai")) // no tasks: no figure, not "met"
	h.wantContains(out, h.vi("rating.figure_line", "Label", h.vi("rating.fig_tasks_on_time_pct"), "Value", h.vi("rating.no_data"), "Rule", "≥ 80,0%", "Mark", h.vi("rating.mark_unknown")))
}

// On 1 December the standing committee is told, once, that the year's
// rating is due, with the year's evidence a tap away; nobody else is, and
// chibo rates nothing.
func TestRating_decemberPush(t *testing.T) {
	h, _ := seedRatingYear(t)
	h.now = h.ts(2026, 12, 1, 7, 59)
	if out := h.due(); len(to(out, "bithu")) != 0 {
		t.Fatalf("told before 08:00 on 1 December:\n%s", texts(out))
	}
	h.now = h.ts(2026, 12, 1, 8, 0)
	out := h.due()
	h.wantText(to(out, "bithu"), "vi", "rating.december", "Year", 2026, "Org", "Đảng bộ xã Thử", "Cells", 2, "Decided", 0)
	for _, user := range []string{"tam", "sec", "sec2", "office"} {
		if len(to(out, user)) != 0 {
			t.Errorf("%s was told of the rating:\n%s", user, texts(to(out, user)))
		}
	}
	h.advance(time.Hour)
	if out := h.due(); len(to(out, "bithu")) != 0 {
		t.Fatalf("told twice:\n%s", texts(out))
	}
	out = h.tap("bithu", h.vi("rating.btn_year", "Year", 2026))
	h.wantContains(out, h.vi("rating.header", "Org", "Đảng bộ xã Thử", "Year", 2026, "Month", "12/2026"))
	if n := h.auditCount("rating_recorded"); n != 0 {
		t.Fatalf("the push recorded %d ratings", n)
	}
	// A year later, the next year's.
	h.now = h.ts(2027, 12, 1, 9, 0)
	h.wantText(to(h.due(), "bithu"), "vi", "rating.december", "Year", 2027, "Org", "Đảng bộ xã Thử", "Cells", 2, "Decided", 0)
}

// A secretary who reads English is told the level in English, though the
// standing committee recorded it in Vietnamese.
func TestRating_toldInTheSecretarysLanguage(t *testing.T) {
	h, _ := seedRatingYear(t)
	if err := h.db.Update(func(tx *storage.Tx) error {
		m := h.member("sec")
		m.Lang = "en"
		return tx.PutMember(m)
	}); err != nil {
		t.Fatal(err)
	}
	h.say("bithu", "/tongquan")
	h.tap("bithu", h.vi("rating.btn_year", "Year", 2026))
	h.tap("bithu", h.vi("commune.btn_cell", "N", 1, "Cell", "Chi bộ Thử"))
	out := h.tap("bithu", h.vi("rating.level_good"))
	h.wantText(to(out, "sec"), "en", "rating.told", "Cell", "Chi bộ Thử", "Year", 2026, "Value", h.e.Cat.T("en", "rating.level_good"), "Name", "Hoàng Thị Thu", "Date", "20/03/2026")
}

// The far-away members' figure of the year's rating counts the monthly
// reports owed and given over the year, not this month's alone; and the
// overview of a past month counts that month's reports.
func TestRating_farAwayReportsOverTheYear(t *testing.T) {
	h, _ := seedRatingYear(t)
	h.now = h.ts(2025, 12, 10, 9, 0)
	h.markFar("lethibinh", 0, h.date(1, 12, 2025), h.date(31, 12, 2026), false)
	h.now = h.ts(2026, 3, 20, 9, 0)
	binh := h.member("lethibinh")
	if err := h.db.Update(func(tx *storage.Tx) error {
		for _, p := range []string{"2026-01", "2026-02"} {
			at := h.ts(2026, 2, 1, 20, 0)
			if err := tx.PutCheckin(&storage.Checkin{MemberID: binh.ID, CellID: h.cell.ID, Period: p, At: at, Updated: at, Answers: map[string]string{"place": "Bình Dương"}}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err := h.db.View(func(tx *storage.Tx) error {
		c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
		cell, err := tx.Cell(h.cell.ID)
		if err != nil {
			return err
		}
		now, err := c.FiguresOf(cell, core.Period{Y: 2026, M: 3})
		if err != nil {
			return err
		}
		if now.YearCheckinsGiven != 2 || now.YearCheckinsOwed < 2 {
			t.Errorf("the year's reports: %d given of %d owed, want 2 given", now.YearCheckinsGiven, now.YearCheckinsOwed)
		}
		feb, err := c.FiguresOf(cell, core.Period{Y: 2026, M: 2})
		if err != nil {
			return err
		}
		if feb.FarAway != 1 || feb.Reported != 1 || feb.YearCheckinsOwed != 2 || feb.YearCheckinsGiven != 2 {
			t.Errorf("February's figures: away %d reported %d, year %d of %d; want 1, 1, 2 of 2", feb.FarAway, feb.Reported, feb.YearCheckinsGiven, feb.YearCheckinsOwed)
		}
		org, err := tx.Org(h.cell.OrgID)
		if err != nil {
			return err
		}
		y, err := commune.OrgEvidence(c, org, 2026)
		if err != nil {
			return err
		}
		for _, cr := range y.Cells[0].Criteria {
			for _, fe := range cr.Figures {
				if fe.Rule.Figure != "faraway_reported_pct" {
					continue
				}
				if want := 200 / float64(now.YearCheckinsOwed); !fe.Known || fe.Value != want {
					t.Errorf("the rating's far-away figure %v (known %v), want %v", fe.Value, fe.Known, want)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A decision keeps the words it was taken in: a rule file that later
// renames the levels and drops the criterion does not change what the
// secretary and the audit log read of it.
func TestRating_decisionKeepsItsWords(t *testing.T) {
	h, _ := seedRatingYear(t)
	h.say("bithu", "/tongquan")
	h.tap("bithu", h.vi("rating.btn_year", "Year", 2026))
	h.tap("bithu", h.vi("commune.btn_cell", "N", 1, "Cell", "Chi bộ Thử"))
	h.tap("bithu", "✓ "+h.vi("rating.crit_meetings"))
	h.tap("bithu", h.vi("rating.level_good"))
	if err := h.db.Update(func(tx *storage.Tx) error {
		return tx.PutRatingRules(h.cell.OrgID, &storage.RatingRules{
			Criteria: []storage.RatingCriterion{{Key: "other", Label: map[string]string{"vi": "Tiêu chí khác", "en": "Another"}, Figures: []storage.RatingFigure{{Figure: "meetings_held", Op: ">=", Value: 1}}}},
			Levels:   []storage.RatingLevel{{Key: "a", Label: map[string]string{"vi": "Mức A"}}, {Key: "b", Label: map[string]string{"vi": "Mức B"}}},
		})
	}); err != nil {
		t.Fatal(err)
	}
	out := h.say("sec", "/xeploai 2026")
	h.wantContains(out, h.vi("rating.decided", "Value", h.vi("rating.level_good"), "Name", "Hoàng Thị Thu", "Date", "20/03/2026"))
	// The criterion the new rules dropped still shows, with its decision.
	dropped := h.vi("rating.crit_dropped", "Label", h.vi("rating.crit_meetings"))
	metDecided := h.vi("rating.decided", "Value", h.vi("rating.crit_met"), "Name", "Hoàng Thị Thu", "Date", "20/03/2026")
	h.wantContains(out, dropped)
	h.wantContains(out, metDecided)
	h.say("bithu", "/tongquan")
	h.tap("bithu", h.vi("rating.btn_year", "Year", 2026))
	out = h.tap("bithu", h.vi("commune.btn_workbook"))
	if len(out) != 1 || out[0].Document == nil {
		t.Fatalf("no workbook: %+v", out)
	}
	cells := cellValues(t, out[0].Document)
	if !slices.Contains(cells, dropped) || !slices.Contains(cells, metDecided) {
		t.Errorf("the workbook lacks the dropped criterion's decision: %q", cells)
	}
	err := h.db.View(func(tx *storage.Tx) error {
		es, err := tx.AuditLog(100, func(e *storage.AuditEntry) bool { return e.Action == "rating_recorded" })
		if err != nil || len(es) != 2 {
			t.Fatalf("decisions in the log: %v %d", err, len(es))
		}
		c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
		var all string
		for i := range es {
			all += c.AuditText(&es[i]) + "\n"
		}
		for _, want := range []string{h.vi("rating.audit_what", "Year", 2026, "Field", h.vi("rating.crit_meetings")), h.vi("rating.level_good")} {
			if !strings.Contains(all, want) {
				t.Errorf("the audit log lacks %q:\n%s", want, all)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
