// Gate module
