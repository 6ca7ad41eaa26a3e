package residence

import "chibo/flows/core"

// The residence journey's buttons, prefix "r". The values are wire codes
// stored in buttons already sent (see core.ActionSet): never change one; a
// new code is "r.<name>".
const (
	// codeResidence runs a tool of /residence: "rs:<op>[:<cell>]".
	codeResidence core.ActionCode = "rs"
	// codeLinkRequest decides a link request:
	// "rsq:<member>:<op>:<requested>".
	codeLinkRequest core.ActionCode = "rsq"
	// codeCommentView shows a comment: "rsv:<member>:<year>".
	codeCommentView core.ActionCode = "rsv"
	// codeCommentExport exports a comment: "rsx:<member>:<year>".
	codeCommentExport core.ActionCode = "rsx"
)

func registerActions(e *core.Engine) {
	e.Actions(core.ActionSet{Journey: "residence", Prefix: "r", Actions: map[core.ActionCode]core.Action{
		codeResidence:     actResidence,
		codeLinkRequest:   actResidenceRequest,
		codeCommentView:   actCommentView,
		codeCommentExport: actCommentExport,
	}})
}
