/** The command lines of the README's "Two commands" block; throws unless there are exactly two. */
export function twoCommands(readme: string): string[];
