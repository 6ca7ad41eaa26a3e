package faraway

import "chibo/flows/core"

// The far-away journey's buttons, prefix "f". The values are wire codes
// stored in buttons already sent (see core.ActionSet): never change one; a
// new code is "f.<name>".
const (
	// codeCheckin starts, repeats or corrects a check-in:
	// "ck:n|s|e:<period>".
	codeCheckin core.ActionCode = "ck"
	// codeCheckinSettings shows or sets a cell's check-in settings:
	// "cks:<cell>[:<item>[:<value>]]".
	codeCheckinSettings core.ActionCode = "cks"
	// codeBoardExport exports a cell's board: "bx:<cell>:<period>".
	codeBoardExport core.ActionCode = "bx"
	// codeBoardHistory shows a member's check-ins: "bh:<member>".
	codeBoardHistory core.ActionCode = "bh"
	// codeBoardOpen opens a cell's board: "bo:<cell>".
	codeBoardOpen core.ActionCode = "bo"
	// codeFarAwayDecide decides a /away request:
	// "fq:<member>:<request>:y[<months>]|n|c".
	codeFarAwayDecide core.ActionCode = "fq"
	// codeFarGroup is an admin's or a far group leader's tool on far
	// groups: "f.group:<org>:n|p" (form one, the online pilot),
	// "f.group:<group>:b|c" (its board, record a contact meeting).
	codeFarGroup core.ActionCode = "f.group"
	// codeOnlinePilot turns a cell's online meeting pilot on or off:
	// "f.pilot:<cell>".
	codeOnlinePilot core.ActionCode = "f.pilot"
)

func registerActions(e *core.Engine) {
	e.Actions(core.ActionSet{Journey: "faraway", Prefix: "f", Actions: map[core.ActionCode]core.Action{
		codeCheckin:         actionCheckin,
		codeCheckinSettings: checkinSettingsAction,
		codeBoardExport:     actionBoardExport,
		codeBoardHistory:    actionBoardHistory,
		codeBoardOpen:       actionBoardOpen,
		codeFarAwayDecide:   actionFarAwayDecide,
		codeFarGroup:        actFarGroup,
		codeOnlinePilot:     actOnlinePilot,
	}})
}
