// Placeholder: re-exports the gcore resource once it exists.
export {};
