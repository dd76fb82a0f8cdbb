UPDATE installations SET time_zone = $time_zone WHERE installation_id = $installation_id
