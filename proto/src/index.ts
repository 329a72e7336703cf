// Re-exports the generated protobuf code (ts-proto); regenerate with `npm run proto`.
export {};
