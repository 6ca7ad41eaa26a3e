package commune

import "chibo/flows/core"

// The commune journey's buttons, prefix "c". The values are wire codes
// stored in buttons already sent (see core.ActionSet): never change one; a
// new code is "c.<name>".
const (
	// codeCellPage is a cell's page of the overview: "c.cell:<cell>:<yyyy-mm>".
	codeCellPage core.ActionCode = "c.cell"
	// codeNames lists the names behind a cell's figures:
	// "c.names:<cell>:<yyyy-mm>".
	codeNames core.ActionCode = "c.names"
	// codeSummary is the summary of a cell's meeting: "c.summary:<meeting>".
	codeSummary core.ActionCode = "c.summary"
	// codeFiles sends the overview's or briefing's files:
	// "c.files:<org>:<yyyy-mm>:x|g|b" (workbook, chart, briefing workbook).
	codeFiles core.ActionCode = "c.files"
	// codeOverview is the commune's overview: "c.overview:<org>:<yyyy-mm>".
	codeOverview core.ActionCode = "c.overview"
	// codeReview is the committee's view of a cell's score:
	// "c.review:<meeting>:y|c" (confirm, comment).
	codeReview core.ActionCode = "c.review"
	// codeBriefingRSVP answers a giao ban's notice:
	// "c.gbrsvp:<org>:<briefing>:y|n".
	codeBriefingRSVP core.ActionCode = "c.gbrsvp"
	// codeBriefingReport starts a cell's report for a giao ban:
	// "c.gbreport:<org>:<briefing>:<cell>".
	codeBriefingReport core.ActionCode = "c.gbreport"
	// codeBriefingView shows a giao ban's reports: "c.gbview:<org>:<briefing>".
	codeBriefingView core.ActionCode = "c.gbview"
	// codeBriefingConclude records the committee's conclusion for a cell:
	// "c.gbconc:<org>:<briefing>:<cell>".
	codeBriefingConclude core.ActionCode = "c.gbconc"
	// codeRating is the year's rating screen: "c.rating:<org>:<year>".
	codeRating core.ActionCode = "c.rating"
	// codeRatingCell is a cell's evidence and rating: "c.rcell:<cell>:<year>".
	codeRatingCell core.ActionCode = "c.rcell"
	// codeRatingSet records a decision:
	// "c.rset:<cell>:<year>:<criterion>:y|n" or "c.rset:<cell>:<year>:overall:<level>".
	codeRatingSet core.ActionCode = "c.rset"
	// codeRatingFiles sends the year's workbook ("c.rfiles:<org>:<year>") or
	// a cell's one-page PDF ("c.rfiles:<org>:<year>:<cell>").
	codeRatingFiles core.ActionCode = "c.rfiles"
)

func registerActions(e *core.Engine) {
	e.Actions(core.ActionSet{Journey: "commune", Prefix: "c", Actions: map[core.ActionCode]core.Action{
		codeCellPage:         actCellPage,
		codeNames:            actNames,
		codeSummary:          actSummary,
		codeFiles:            actFiles,
		codeOverview:         actOverview,
		codeReview:           actReview,
		codeBriefingRSVP:     actBriefingRSVP,
		codeBriefingReport:   actBriefingReport,
		codeBriefingView:     actBriefingView,
		codeBriefingConclude: actBriefingConclude,
		codeRating:           actRating,
		codeRatingCell:       actRatingCell,
		codeRatingSet:        actRatingSet,
		codeRatingFiles:      actRatingFiles,
	}})
}
