//go:build !race

package flows

const raceBuild = false
