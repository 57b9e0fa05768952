// A GET through github.com/Azure/go-ntlmssp's Negotiator (the NTLM of Go's WinRM
// and Azure clients): args URL, user (DOMAIN\user), password. Prints the status,
// then the body.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"

	ntlmssp "github.com/Azure/go-ntlmssp"
)

func main() {
	client := &http.Client{Transport: ntlmssp.Negotiator{RoundTripper: &http.Transport{}}}
	req, err := http.NewRequest("GET", os.Args[1], nil)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	req.SetBasicAuth(os.Args[2], os.Args[3])
	res, err := client.Do(req)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode)
	fmt.Println(string(body))
}
