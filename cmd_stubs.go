package main

// Temporary: replaced by each command's own file as it lands.
