// Placeholder: re-exports the icp resource once it exists.
export {};
