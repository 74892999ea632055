# R side of benchmarks/bench_alerts.py: the same alarm methods with R `surveillance`.
#
#   Rscript benchmarks/bench_alerts.R DATA.csv OUTDIR FARRINGTON_START N_EARS N_FARRINGTON
#
# DATA.csv: column `date` (Mondays) and one column per series (s0001, …). Computes on the
# first N_EARS series EARS C1/C2/C3 (baseline 7, alpha 0.001, minSigma 0) and on the first
# N_FARRINGTON series farringtonFlexible (b 3, w 3, package defaults = Lagebild defaults) and
# its Noufaily variant, range FARRINGTON_START:n. Writes OUTDIR/<method>__upperbound.csv,
# __alarm.csv (and __expected.csv) as matrices (weeks × series) and prints one line
# "timing,<method>,<elapsed seconds>,<cpu seconds (user + sys)>,<series>" per method.

suppressPackageStartupMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 5)
data <- read.csv(args[1], check.names = FALSE)
out_dir <- args[2]
start <- as.integer(args[3])
n_ears <- as.integer(args[4])
n_far <- as.integer(args[5])
dates <- as.Date(data$date)
Y <- as.matrix(data[, -1, drop = FALSE])
n <- nrow(Y)

write_result <- function(name, fit, rows) {
  pad <- function(m) {
    out <- matrix(NA_real_, n, ncol(m)); out[rows, ] <- m; out
  }
  write.csv(pad(fit@upperbound), file.path(out_dir, paste0(name, "__upperbound.csv")),
            row.names = FALSE, na = "NA")
  write.csv(pad(fit@alarm * 1), file.path(out_dir, paste0(name, "__alarm.csv")),
            row.names = FALSE, na = "NA")
  if (!is.null(fit@control$expected)) {
    write.csv(pad(matrix(fit@control$expected, ncol = ncol(fit@upperbound))),
              file.path(out_dir, paste0(name, "__expected.csv")), row.names = FALSE, na = "NA")
  }
}

timed <- function(name, series, f) {
  s <- sts(observed = Y[, seq_len(series), drop = FALSE], epoch = dates, frequency = 52)
  t0 <- proc.time()
  fit <- suppressWarnings(f(s))
  d <- proc.time() - t0
  cat(sprintf("timing,%s,%.3f,%.3f,%d\n", name, d[["elapsed"]],
              d[["user.self"]] + d[["sys.self"]], series))
  fit
}

for (m in c("C1", "C2", "C3")) {
  fit <- timed(paste0("ears_", m), n_ears, function(s)
    earsC(s, control = list(method = m, baseline = 7, alpha = 0.001, minSigma = 0)))
  write_result(paste0("ears_", m), fit, (n - nrow(fit@upperbound) + 1):n)
}

far_base <- list(range = start:n, b = 3, w = 3, reweight = TRUE, weightsThreshold = 2.58,
                 alpha = 0.05, trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4),
                 powertrans = "2/3", noPeriods = 1, pastWeeksNotIncluded = 3,
                 thresholdMethod = "delta", glmWarnings = FALSE)
nou <- modifyList(far_base, list(noPeriods = 10, pastWeeksNotIncluded = 26,
                                 pThresholdTrend = 1, thresholdMethod = "nbPlugin"))
if (n_far > 0) {
  fit <- timed("farrington", n_far, function(s) farringtonFlexible(s, control = far_base))
  write_result("farrington", fit, start:n)
  fit <- timed("noufaily", n_far, function(s) farringtonFlexible(s, control = nou))
  write_result("noufaily", fit, start:n)
}
cat(sprintf("version,%s,%s\n", packageVersion("surveillance"), R.version.string))
