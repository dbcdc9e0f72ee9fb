// Command floor is the Lambda bootstrap that scripts/coldstart measures the function against:
// aws-lambda-go and the SDK's S3 client only, one PutObject of the request's body per
// invocation, no check, no log. It reads BUCKET and S3_ENDPOINT_URL (path-style, as the
// function does) and builds its client once, at init, as the function does; it answers 202.
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -tags lambda.norpc -ldflags=-s -w -o bootstrap ./scripts/coldstart/floor
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		panic(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint := os.Getenv("S3_ENDPOINT_URL"); endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
	bucket := os.Getenv("BUCKET")
	lambda.StartWithOptions(func(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
		body := []byte(req.Body)
		if req.IsBase64Encoded {
			decoded, err := base64.StdEncoding.DecodeString(req.Body)
			if err != nil {
				return events.LambdaFunctionURLResponse{StatusCode: 400}, nil
			}
			body = decoded
		}
		_, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket),
			Key:    aws.String(rand.Text()),
			Body:   bytes.NewReader(body),
		})
		if err != nil {
			return events.LambdaFunctionURLResponse{}, err
		}
		return events.LambdaFunctionURLResponse{StatusCode: 202}, nil
	}, lambda.WithContext(ctx))
}
