// Mint module
