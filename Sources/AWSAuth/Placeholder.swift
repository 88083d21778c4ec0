// AWSAuth module
