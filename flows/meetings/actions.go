package meetings

import "chibo/flows/core"

// The meetings journey's buttons, prefix "m". The values are wire codes
// stored in buttons already sent (see core.ActionSet): never change one; a
// new code is "m.<name>".
const (
	// codeMeeting runs a tool on one meeting: "mt:<meeting>:<op>".
	codeMeeting core.ActionCode = "mt"
	// codeMeetingList runs a tool on a cell's meetings: "ml:<cell>:<op>".
	codeMeetingList core.ActionCode = "ml"
	// codeReschedule schedules again a meeting closed as not held:
	// "mrs:<meeting>".
	codeReschedule core.ActionCode = "mrs"
	// codeRSVP answers a notice: "rsvp:<meeting>:y|n".
	codeRSVP core.ActionCode = "rsvp"
	// codeExcuse decides an excuse: "exc:<meeting>:<member>:a|r|c[:<sent>]".
	codeExcuse core.ActionCode = "exc"
	// codeRollSet marks one member on the roll: "rl:<meeting>:<member>:<mark>".
	codeRollSet core.ActionCode = "rl"
	// codeRollAll marks everyone still unmarked: "rla:<meeting>:p|a|d".
	codeRollAll core.ActionCode = "rla"
	// codeRollMember shows one member's roll card: "rlm:<meeting>:<member>".
	codeRollMember core.ActionCode = "rlm"
	// codeAttendance shows a year's attendance: "att:me|<cell>:<year>".
	codeAttendance core.ActionCode = "att"
	// codeResidenceRSVP answers a residence meeting's notice:
	// "rsr:<meeting>:y|n".
	codeResidenceRSVP core.ActionCode = "rsr"
	// codeResidenceMark marks a linked member at a residence meeting:
	// "rsm:<meeting>:<member>:p|a".
	codeResidenceMark core.ActionCode = "rsm"
)

func registerActions(e *core.Engine) {
	e.Actions(core.ActionSet{Journey: "meetings", Prefix: "m", Actions: map[core.ActionCode]core.Action{
		codeMeeting:       actMeeting,
		codeMeetingList:   actMeetingList,
		codeReschedule:    actReschedule,
		codeRSVP:          actRSVP,
		codeExcuse:        actExcuse,
		codeRollSet:       actRollSet,
		codeRollAll:       actRollAll,
		codeRollMember:    actRollMember,
		codeAttendance:    actAttendance,
		codeResidenceRSVP: actResidenceRSVP,
		codeResidenceMark: actResidenceMark,
	}})
}
