// SAML module
