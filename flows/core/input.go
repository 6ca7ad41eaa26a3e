package core

import (
	"errors"
	"strings"

	"chibo/flows/chat"
	"chibo/storage"
)

// Words a person types instead of tapping, compared in lower case with
// their accents (so "Thới", a place, is not "thôi"), or without any accent
// at all: "hủy", "huỷ" and "thôi" cancel what is in progress; "có", "đồng ý"
// and "không" answer a yes/no question.
var (
	cancelWords = words("hủy", "huỷ", "huy", "hủy bỏ", "huỷ bỏ", "huy bo", "thôi", "thoi", "cancel")
	yesWords    = words("có", "co", "đồng ý", "dong y", "vâng", "vang", "dạ", "ừ", "ok", "yes", "y")
	noWords     = words("không", "khong", "ko", "k", "no", "n")
)

func words(ws ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// typedWord is text as the word lists above compare it.
func typedWord(text string) string {
	return strings.Join(strings.Fields(strings.ToLower(NormalizeText(text))), " ")
}

// yesNoChoice maps a typed yes or no to the button that says it: the
// confirming button of AskConfirm ("…:yes" / "…:no") or a notice's answer
// ("…:y" / "…:n").
func yesNoChoice(choices []storage.Choice, text string) (string, bool) {
	var want []string
	switch w := typedWord(text); {
	case yesWords[w]:
		want = []string{":yes", ":y"}
	case noWords[w]:
		want = []string{":no", ":n"}
	default:
		return "", false
	}
	for _, ch := range choices {
		for _, w := range want {
			if strings.HasSuffix(ch.Data, w) {
				return ch.Data, true
			}
		}
	}
	return "", false
}

// flowTitles names, in the person's words, what a flow was doing, so a
// command typed in the middle of it can say that it was left ("Đã dừng việc
// đổi lịch họp"). A flow without a title is left with the general words.
var FlowTitles = map[string]string{
	"newcell":    "flow.newcell",
	"secinvite":  "flow.secinvite",
	"checkin":    "flow.checkin",
	"faraway":    "flow.faraway",
	"awayreq":    "flow.awayreq",
	"awayrefuse": "flow.awayrefuse",
	"lang":       "flow.lang",
	"export":     "flow.export",
	"mschedule":  "flow.mschedule",
	"mremind":    "flow.mremind",
	"mnew":       "flow.mnew",
	"mmove":      "flow.mmove",
	"mtopic":     "flow.mtopic",
	"mcancel":    "flow.mcancel",
	"excuse":     "flow.excuse",
	"mscore":     "flow.mscore",
	"forget":     "flow.forget",
	"reg":        "flow.reg",
	"rlink":      "flow.rlink",
	"rreport":    "flow.rreport",
	"rcomment":   "flow.rcomment",
	"status":     "flow.status",
	"dues":       "flow.dues",
	"mclose":     "flow.mclose",
	"mresched":   "flow.mresched",
	"pickcell":   "flow.pickcell",
	"cqcomment":  "commune.flow_cqcomment",
	"gbreport":   "commune.flow_gbreport",
	"gbconc":     "commune.flow_gbconc",
	"task":       "flow.task",
	"fargroup":   "flow.fargroup",
	"fgcontact":  "flow.fgcontact",
}

// sayLeft tells the person that the conversation in progress was left for
// the command they typed.
func (c *Ctx) sayLeft(flow string) {
	if id, ok := FlowTitles[flow]; ok {
		c.Say("input.left", "What", c.T(id))
		return
	}
	c.Say("input.left_other")
}

// reshowMenu answers text that matches nothing in the menu last shown in
// this chat: the menu again, with a short hint. It reports false when no
// menu is waiting (or it is old).
func (e *Engine) reshowMenu(c *Ctx) (bool, error) {
	o, err := c.Tx.Offer(c.Ev.Transport, c.Ev.Chat)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(o.Choices) == 0 || c.Now.Sub(o.At) > e.Cfg.ConvTTL {
		return false, nil
	}
	var rows [][]chat.Button
	for _, ch := range o.Choices {
		if strings.HasPrefix(ch.Data, "c:") {
			return false, nil // a question's buttons, whose conversation is gone
		}
		rows = append(rows, []chat.Button{{Label: ch.Label, Data: ch.Data}})
	}
	c.Reply(c.T("input.pick_from_menu"), rows...)
	return true, nil
}
