// Minimal typings for the parts of jstat 1.9.6 that the experiments stats engine uses (the package ships none).
declare module 'jstat' {
  interface ContinuousDist {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
    pdf(x: number, ...params: number[]): number;
  }
  interface JStatStatic {
    normal: ContinuousDist;
    studentt: ContinuousDist;
    chisquare: ContinuousDist;
    ibeta(x: number, a: number, b: number): number;
    gammaln(x: number): number;
  }
  const jstat: { jStat: JStatStatic } & JStatStatic;
  export default jstat;
}
