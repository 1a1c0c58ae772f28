// API tokens that Pulumi issues, renews, rotates and revokes: NetBird personal access tokens, Gcore user JWTs, IBM Cloud Private registry tokens, Docker registry tokens (any registry of the v2 token protocol).
package tokens
