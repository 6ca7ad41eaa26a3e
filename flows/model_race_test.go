//go:build race

package flows

// raceBuild: the race detector slows the model test about tenfold, so CI's
// default run under -race plays fewer histories.
const raceBuild = true
