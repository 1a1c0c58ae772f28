// Placeholder: re-exports the netbird resource once it exists.
export {};
