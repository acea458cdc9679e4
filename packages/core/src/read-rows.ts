// Placeholder: filled by the helper that owns it. Keep the file name; export the module's API from here.
export {};
